from django.apps import AppConfig


class ErrorsKbConfig(AppConfig):
    name = "errors_kb"
    verbose_name = "Grade passback errors"
