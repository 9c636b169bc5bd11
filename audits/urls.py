from django.urls import path

from audits.views import cancellations, challenges, imports, inspections, jobs, moderation, sampling

app_name = "audits"

urlpatterns = [
    path("", inspections.home, name="home"),
    path("inspections/<int:pk>/", inspections.inspection_detail, name="inspection"),
    path("inspections/<int:pk>/cases.csv", inspections.inspection_cases_csv, name="inspection_cases_csv"),
    path("inspections/<int:pk>/sample/", sampling.sample_page, name="sample"),
    path("inspections/<int:pk>/import/", imports.import_page, name="case_import"),
    path("jobs/<int:pk>/", jobs.job_page, name="job"),
    path("jobs/<int:pk>/retry/", jobs.job_retry, name="job_retry"),
    path("jobs/<int:pk>/report.pdf", jobs.job_download, name="job_download"),
    path("inspections/<int:pk>/audited-crimes.<str:fmt>", imports.template_export, name="case_export"),
    path("audited-cases-template.<str:fmt>", imports.template_download, name="case_template"),
    path("inspections/<int:pk>/cancellation-reviews/", cancellations.review_list, name="cancellation_reviews"),
    path("inspections/<int:pk>/cancellation-reviews/import/", cancellations.review_import,
         name="cancellation_review_import"),
    path("inspections/<int:pk>/cancellation-reviews.<str:fmt>", cancellations.review_export,
         name="cancellation_review_export"),
    path("cancellation-reviews-template.<str:fmt>", cancellations.review_template, name="cancellation_review_template"),
    path("cases/<int:pk>/", inspections.case_detail, name="case"),
    path("cases/<int:pk>/moderate/", moderation.moderate_case, name="moderate_case"),
    path("moderation/", moderation.moderation_queue, name="moderation"),
    path("challenges/", challenges.challenge_list, name="challenges"),
    path("challenges/<int:pk>/", challenges.challenge_detail, name="challenge"),
    path("errors/<int:error_pk>/challenge/", challenges.challenge_new, name="challenge_new"),
]
