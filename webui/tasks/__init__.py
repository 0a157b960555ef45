"""tasks area (being built)."""

from flask import Blueprint

bp = Blueprint("tasks", __name__)
