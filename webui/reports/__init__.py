"""reports area (being built)."""

from flask import Blueprint

bp = Blueprint("reports", __name__)
