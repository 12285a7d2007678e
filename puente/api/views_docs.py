"""The OpenAPI document and its browsable documentation (Swagger UI from the sidecar package's
static files, its start-up script a file of its own: the CSP allows no inline script or style)."""

from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    """``/api/v1/schema/``: the OpenAPI 3 document (YAML, or JSON with ``?format=json``);
    descriptions in Spanish with ``?lang=es``."""

    area = "visas"  # public either way; a token without the visas scope may still read it
    public = True


class DocsView(SpectacularSwaggerSplitView):
    template_name = "api/swagger_ui.html"
    area = "visas"
    public = True
