from django.shortcuts import render

from search.selectors import QueryProblem, Results, search


def search_page(request):
    raw = request.GET.get("q", "")
    try:
        results, problem = search(request.user, raw), None
    except QueryProblem as error:
        results, problem = Results(raw[:64], [], [], []), str(error)
    return render(request, "search/results.html", {"results": results, "problem": problem},
                  status=400 if problem else 200)
