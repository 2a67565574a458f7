from django.urls import path

from . import views, views_actions, views_public, views_results

app_name = "surveys"
urlpatterns = [
    path("q/<str:code>/", views_public.public_answer, name="public"),
    path("surveys/", views.wave_list, name="waves"),
    path("surveys/new/", views.wave_create, name="wave-create"),
    path("surveys/<int:pk>/", views.wave_detail, name="wave"),
    path("surveys/<int:pk>/draw/", views.wave_draw, name="wave-draw"),
    path("surveys/<int:pk>/status/", views.wave_transition, name="wave-transition"),
    path("surveys/<int:pk>/progress/", views.wave_progress, name="progress"),
    path("surveys/<int:pk>/targets/<int:tpk>/remind/", views.target_remind, name="remind"),
    path("surveys/<int:pk>/targets/<int:tpk>/reissue/", views.target_reissue, name="reissue"),
    path("surveys/<int:pk>/targets/<int:tpk>/qr.svg", views.target_qr, name="qr"),
    path("surveys/<int:pk>/entry/", views.entry_list, name="entry-list"),
    path("surveys/<int:pk>/entry/<int:tpk>/", views.entry_form, name="entry"),
    path("surveys/<int:pk>/results/", views_results.wave_results_page, name="results"),
    path("surveys/<int:pk>/results.xlsx", views_results.wave_results_export, name="results-export"),
    path("surveys/<int:pk>/answers.xlsx", views_results.wave_answers_export, name="answers-export"),
    path("surveys/<int:pk>/report/", views_results.wave_report, name="report"),
    path("surveys/<int:pk>/low-scores/", views_actions.low_score_page, name="low-scores"),
    path("surveys/questionnaires/", views.questionnaire_list, name="questionnaires"),
    path("surveys/questionnaires/new/", views.questionnaire_create, name="questionnaire-create"),
    path("surveys/questionnaires/<int:pk>/", views.questionnaire_detail, name="questionnaire"),
    path(
        "surveys/questionnaires/<int:pk>/new-version/",
        views.questionnaire_new_version,
        name="questionnaire-version",
    ),
    path("surveys/questionnaires/<int:qpk>/sections/new/", views.section_edit, name="section-create"),
    path("surveys/questionnaires/<int:qpk>/sections/<int:pk>/", views.section_edit, name="section"),
    path("surveys/sections/<int:spk>/items/new/", views.item_edit, name="item-create"),
    path("surveys/sections/<int:spk>/items/<int:pk>/", views.item_edit, name="item"),
]
