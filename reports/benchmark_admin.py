"""Admin for the benchmark catalogue and the published reference figures (issue 10)."""

from django.contrib import admin

from reports.benchmark_models import BenchmarkMetric, ReferenceFigure


@admin.register(BenchmarkMetric)
class BenchmarkMetricAdmin(admin.ModelAdmin):
    list_display = ["code", "label", "scope", "unit", "direction", "is_active", "order"]
    list_filter = ["scope", "direction", "is_active"]
    list_editable = ["is_active"]
    search_fields = ["code", "label"]
    readonly_fields = ["code", "scope", "unit", "direction"]  # they follow the code of the metric


@admin.register(ReferenceFigure)
class ReferenceFigureAdmin(admin.ModelAdmin):
    list_display = ["code", "topic", "label", "segment", "value", "unit", "source", "year"]
    list_filter = ["topic", "source", "year"]
    search_fields = ["code", "label", "segment", "question"]
