"""Inquiry-priced procurement (询价采购): machine.py has the stages; services/ the steps;
views.py, api.py and templates/inquiry/ what users meet."""
