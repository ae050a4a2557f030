"""nethcti plugin: GET /openapi.json, the OpenAPI 3.1 document of the enabled plugins' routes, and /docs."""
