import pytest

from tests.api.schema_check import AnswerChecker, generate_schema


@pytest.fixture(scope="session")
def openapi():
    """The API's OpenAPI schema, generated once per run (it does not change during one)."""
    return generate_schema()


@pytest.fixture
def checker(openapi):
    return AnswerChecker(openapi)
