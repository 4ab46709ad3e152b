"""A local Digital Gender Gaps API (``/api/v1/query_national``) in the real answer format.

Like the real Flask app (OxfordDemSci/dgg-www ``api/app``): HTTP 200 with ``status`` and
``message`` in the body, errors included (400 for a bad ``date``, 500 for a database error);
``data`` is ``{ISO2: {"YYYYMM": {model: value or null}}}`` and ``{}`` for a month without data.
Months listed in ``not_found`` answer 404, as a deployment without the month might.
"""

from __future__ import annotations

from collectors.local_servers.base import LocalServer, Reply, json_reply

MODELS = (
    "internet_online_model_prediction", "internet_offline_model_prediction",
    "internet_online_offline_model_prediction", "ground_truth_internet_gg",
    "mobile_online_model_prediction", "mobile_offline_model_prediction",
    "mobile_online_offline_model_prediction", "ground_truth_mobile_gg",
)


def row(**values: float | None) -> dict[str, float | None]:
    """One country-month with every model column (null unless given)."""
    return {model: values.get(model) for model in MODELS}


class DggServer(LocalServer):
    def __init__(self, months: dict[str, dict[str, dict]] | None = None) -> None:
        super().__init__()
        #: "YYYYMM" → ISO2 → {model: value}
        self.months: dict[str, dict[str, dict]] = months or {}
        self.not_found: set[str] = set()

    def dates_asked(self) -> list[str]:
        return [p.split("date=")[1][:6] for p in self.requests if "date=" in p]

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        if path != "/api/v1/query_national":
            return Reply(404, b"<h1>404 Error</h1><p>The resource could not be found.</p>",
                         {"Content-Type": "text/html; charset=utf-8"})
        date = query.get("date")
        if date is None:
            return json_reply({"status": 400,
                               "message": "Bad Request: All of these arguments are required: date."})
        if len(date) != 6 or not date.isdigit():
            return json_reply({"status": 400,
                               "message": "Bad Request: Length of 'date' must be 6."})
        if date in self.not_found:
            return Reply(404, b"<h1>404 Error</h1>", {"Content-Type": "text/html"})
        data = {iso2: {date: values} for iso2, values in self.months.get(date, {}).items()}
        return json_reply({"status": 200, "message": "OK: Data successfully selected from database.",
                           "data": data})
