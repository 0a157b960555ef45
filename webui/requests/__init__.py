"""requests area (being built)."""

from flask import Blueprint

bp = Blueprint("requests", __name__)
