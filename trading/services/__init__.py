"""Business actions of the trading domain (HackSoft style: keyword-only functions, one
database transaction each). Views, the API and tasks call these and nothing else."""
