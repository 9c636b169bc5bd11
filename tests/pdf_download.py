"""PDF reports are made by a background job (reports/pdf_jobs.py); tests fetch them as a person does."""

import re

from django.http import HttpResponse


def fetch_pdf(client, url, data=None):
    """A PDF report as a person gets it: asked for, made by a background job (the immediate backend in tests, so
    done by the time the job's page is shown), downloaded from the job's page. The download, read in full."""
    started = client.get(url, data)
    assert started.status_code == 302 and re.fullmatch(r"/jobs/\d+/", started.url), started.status_code
    page = client.get(started.url).content.decode()
    link = re.search(r'href="(/jobs/\d+/report\.pdf)"', page)
    assert link, page
    download = client.get(link.group(1))
    return HttpResponse(b"".join(download.streaming_content), status=download.status_code,
                        headers=dict(download.headers))
