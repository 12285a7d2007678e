"""The OpenAPI document and its browsable documentation (Swagger UI from the sidecar package's
static files, its start-up script a file of its own: the CSP allows no inline script or style)."""

from django.conf import settings
from django.utils import translation
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView


class SchemaView(SpectacularAPIView):
    """``/api/v1/schema/``: the OpenAPI 3 document (YAML, or JSON with ``?format=json``);
    descriptions in Spanish with ``?lang=es``."""


class DocsView(SpectacularSwaggerSplitView):
    """``/api/v1/docs/``: Swagger UI; ``?lang=es`` shows the page and the document in Spanish."""

    template_name = "api/swagger_ui.html"

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        lang = request.GET.get("lang")
        if lang in dict(settings.LANGUAGES):
            # ApiTokenMiddleware restores the request's language once the response is rendered.
            translation.activate(lang)
        return super().get(request, *args, **kwargs)
