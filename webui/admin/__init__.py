"""admin area (being built)."""

from flask import Blueprint

bp = Blueprint("admin", __name__)
