from django.contrib import admin

from .models import TrainingTopic


@admin.register(TrainingTopic)
class TrainingTopicAdmin(admin.ModelAdmin):
    list_display = ["name", "order", "active"]
    filter_horizontal = ["tags"]
