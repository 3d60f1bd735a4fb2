"""Running the same action from several threads at once, for the concurrency tests."""

import threading

from django.db import connection


def race(n, attempt, *, timeout=120):
    """Run `attempt(i)` in n threads released together; their results or exceptions."""
    barrier = threading.Barrier(n)
    results = [None] * n

    def run(i):
        try:
            barrier.wait()
            results[i] = attempt(i)
        except Exception as exc:  # collected and asserted on by the caller
            results[i] = exc
        finally:
            connection.close()  # each thread has its own connection: close it

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return results
