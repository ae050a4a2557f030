"""Every error as ``{"error_id", "message", "details"}``: API errors, HTTP errors, validation, crashes."""

from loguru import logger
from marshmallow import ValidationError
from quart import Blueprint, jsonify, request
from werkzeug.exceptions import HTTPException

from nethcti.errors import APIError, BadRequest
from nethcti.hookspecs import hookimpl
from nethcti.web import header_value

blueprint = Blueprint("errors", __name__)


def render(status: int, error_id: str, message: str, details=None, headers=None):
    body = {"error_id": error_id, "message": message, "details": details if details is not None else {}}
    return jsonify(body), status, {name: header_value(value) for name, value in (headers or {}).items()}


@blueprint.app_errorhandler(APIError)
async def api_error(exc: APIError):
    return render(exc.status_code, exc.error_id, exc.message, exc.details, exc.headers)


@blueprint.app_errorhandler(ValidationError)
async def validation_error(exc: ValidationError):
    fields = exc.normalized_messages()
    names = ", ".join(sorted(map(str, fields))) if isinstance(fields, dict) else ""
    return render(400, BadRequest.error_id, f"Invalid value for: {names}" if names else "Invalid request", fields)


@blueprint.app_errorhandler(HTTPException)
async def http_error(exc: HTTPException):
    error_id = (exc.name or "error").lower().replace(" ", "-").replace("'", "")
    headers = {"Allow": ", ".join(exc.valid_methods)} if getattr(exc, "valid_methods", None) else None
    return render(exc.code or 500, error_id, exc.description or exc.name, None, headers)


@blueprint.app_errorhandler(Exception)
async def crash(exc: Exception):
    logger.opt(exception=exc).error("unhandled error on {} {}", request.method, request.path)
    return render(500, "internal-error", "Internal server error")


@hookimpl
def register_routes():
    return blueprint
