"""What every endpoint shares: its area (for token scopes), the role permission of the matching
web page, and creates that go through ``run_idempotent``."""

import django_filters
from rest_framework import generics, mixins, status, viewsets
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from ..idempotency import run_idempotent


#: The largest id a path or a parameter may name: past it, SQLite and PostgreSQL would fail on
#: the number instead of finding nothing.
MAX_ID = 2**53


def id_filter(field_name):
    return django_filters.NumberFilter(field_name=field_name, min_value=1, max_value=MAX_ID)


class ApiMixin:
    area: str | None = None
    required_perms: tuple | dict = ()
    public = False
    ordering: tuple[str, ...] = ("pk",)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        for name in ("pk", "expense_pk"):
            value = kwargs.get(name)
            if value is not None and (not str(value).isdigit() or int(value) > MAX_ID):
                raise NotFound


class ReadOnlyViewSet(ApiMixin, viewsets.ReadOnlyModelViewSet):
    pass


class ListView(ApiMixin, generics.ListAPIView):
    pass


class RetrieveView(ApiMixin, generics.RetrieveAPIView):
    pass


class CreateMixin(mixins.CreateModelMixin):
    """POST through a serializer for the input, a ``do_*`` action to make the object, and the
    object's own serializer for the answer; idempotent by key."""

    output_serializer_class = None

    def create(self, request, *args, **kwargs):
        return run_idempotent(request, lambda: self._create(request))

    def _create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        obj = self.perform_action(serializer.validated_data)
        out = self.output_serializer_class(obj, context=self.get_serializer_context())
        return Response(out.data, status=status.HTTP_201_CREATED)

    def perform_action(self, data):  # pragma: no cover - every create view defines it
        raise NotImplementedError
