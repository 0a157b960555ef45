"""inbox area (being built)."""

from flask import Blueprint

bp = Blueprint("inbox", __name__)
