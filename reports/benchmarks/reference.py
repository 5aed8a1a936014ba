"""Published reference figures, loaded as data by migration `reports/0004_benchmark_reference`.

Figures are exact as printed in the sources; the question wording is our paraphrase of what was
asked. `metric` links a figure to a catalogue metric, `segment_field`/`segment_value` to the
organization profile field it applies to (blank: every organization).
"""

SPO = "State of Partner Ops and Programs 2022"
SPO_SAMPLE = "n=664, online, 24 Aug–23 Sep 2022"

FIGURES = [
    # Share of company revenue driven by partners (distribution of organizations over bands).
    *[
        {
            "code": f"revenue-share-band-{band}",
            "metric": "partner_revenue_share",
            "topic": "Share of revenue via partners",
            "label": f"Organizations whose partners drive {label} of revenue",
            "segment": "",
            "segment_field": "partner_revenue_share",
            "segment_value": band,
            "value": value,
            "unit": "percent",
            "question": "Roughly what share of your company's revenue do partners drive?",
        }
        for band, label, value in [
            ("0", "0 %", "2.6"),
            ("1-25", "1–25 %", "48"),
            ("26-50", "26–50 %", "27.9"),
            ("51-75", "51–75 %", "12.6"),
            ("76+", "76 % or more", "8.9"),
        ]
    ],
    {
        "code": "revenue-share-26-plus",
        "metric": "partner_revenue_share",
        "topic": "Share of revenue via partners",
        "label": "Organizations driving at least 26 % of revenue through partners",
        "value": "49.4",
        "unit": "percent",
        "question": "Roughly what share of your company's revenue do partners drive?",
    },
    {
        "code": "revenue-share-26-plus-programmatic",
        "metric": "partner_revenue_share",
        "topic": "Share of revenue via partners",
        "label": "Programmatic programmes driving at least 26 % of revenue",
        "segment": "programmatic programmes",
        "segment_field": "program_model",
        "segment_value": "programmatic",
        "value": "62.4",
        "unit": "percent",
        "question": "Roughly what share of your company's revenue do partners drive?",
    },
    {
        "code": "revenue-share-26-plus-ops-5",
        "metric": "partner_revenue_share",
        "topic": "Share of revenue via partners",
        "label": "Organizations with 5+ partner-ops staff driving at least 26 % of revenue",
        "segment": "5+ full-time partner-ops employees",
        "segment_field": "partner_ops_band",
        "segment_value": "5+",
        "value": "90",
        "unit": "percent",
        "question": "Roughly what share of your company's revenue do partners drive?",
    },
    # Number of KPIs tracked.
    {
        "code": "kpis-size-0-50",
        "metric": "kpis_tracked",
        "topic": "KPIs tracked",
        "label": "Average number of partner KPIs tracked",
        "segment": "company size 0–50",
        "segment_field": "size_band",
        "segment_value": "0-50",
        "value": "2.5",
        "unit": "count",
        "question": "Which KPIs is your partner team measured on?",
    },
    {
        "code": "kpis-size-2001",
        "metric": "kpis_tracked",
        "topic": "KPIs tracked",
        "label": "Average number of partner KPIs tracked",
        "segment": "company size 2,001+",
        "segment_field": "size_band",
        "segment_value": "2001+",
        "value": "2.9",
        "unit": "count",
        "question": "Which KPIs is your partner team measured on?",
    },
    {
        "code": "kpis-ops-5",
        "metric": "kpis_tracked",
        "topic": "KPIs tracked",
        "label": "Average number of partner KPIs tracked",
        "segment": "5+ full-time partner-ops employees",
        "segment_field": "partner_ops_band",
        "segment_value": "5+",
        "value": "3.9",
        "unit": "count",
        "question": "Which KPIs is your partner team measured on?",
    },
    {
        "code": "kpi-sourced-revenue",
        "metric": "kpis_tracked",
        "topic": "KPIs tracked",
        "label": "Partner teams measured on sourced revenue",
        "value": "81.1",
        "unit": "percent",
        "question": "Which KPIs is your partner team measured on?",
    },
    # Programmes.
    {
        "code": "has-programme",
        "metric": "",
        "topic": "Partner programme",
        "label": "Organizations with a partner programme",
        "value": "77.6",
        "unit": "percent",
        "question": "Does your company run a partner programme, and how is it structured?",
    },
    {
        "code": "programme-tiered",
        "metric": "",
        "topic": "Partner programme",
        "label": "Programmes that are tiered",
        "value": "56",
        "unit": "percent",
        "question": "Does your company run a partner programme, and how is it structured?",
    },
    {
        "code": "programmatic-all",
        "metric": "",
        "topic": "Partner programme",
        "label": "Organizations allocating most partner resources programmatically",
        "value": "33",
        "unit": "percent",
        "question": "How does your company allocate resources to partners?",
    },
    # Partner operations headcount by company size (share with no full-time partner-ops employee).
    *[
        {
            "code": f"no-partner-ops-{band}",
            "metric": "",
            "topic": "Partner-ops headcount",
            "label": "Organizations with no full-time partner-ops employee",
            "segment": f"company size {label}",
            "segment_field": "size_band",
            "segment_value": band,
            "value": value,
            "unit": "percent",
            "question": "How many full-time employees work in partner operations?",
        }
        for band, label, value in [
            ("0-50", "0–50", "49.8"),
            ("51-200", "51–200", "45.4"),
            ("201-500", "201–500", "43.4"),
            ("501-2000", "501–2,000", "24"),
            ("2001+", "2,001+", "11.0"),
        ]
    ],
    {
        "code": "partner-ops-at-least-one",
        "metric": "",
        "topic": "Partner-ops headcount",
        "label": "Organizations with at least one full-time partner-ops employee",
        "value": "59.6",
        "unit": "percent",
        "question": "How many full-time employees work in partner operations?",
    },
    # Reporting line.
    *[
        {
            "code": f"leader-reports-{who}",
            "metric": "",
            "topic": "Reporting line",
            "label": f"Top partner leader reports to the {label}",
            "segment_field": "leader_reports_to",
            "segment_value": who,
            "value": value,
            "unit": "percent",
            "question": "To whom does your most senior partner leader report?",
        }
        for who, label, value in [("cro", "CRO", "43.2"), ("ceo", "CEO", "27.8"), ("cmo", "CMO", "8.1")]
    ],
    # Other sourced figures (section 4 of the catalogue).
    {
        "code": "mdf-unused",
        "metric": "mdf_utilisation",
        "topic": "MDF",
        "label": "Market development funds typically left unused",
        "value": "40",
        "unit": "percent",
        "source": "WorkSpan",
        "year": None,
        "sample": "",
        "question": "",
    },
    {
        "code": "planning-0-percent",
        "metric": "plan_progress",
        "topic": "Planning predicts performance",
        "label": "Average share of target achieved without objectives set",
        "value": "80",
        "unit": "percent",
        "source": "Deloitte study of partner plans in Qollabi",
        "year": None,
        "sample": "400+ partner plans",
        "question": "",
    },
    {
        "code": "planning-100-percent",
        "metric": "plan_progress",
        "topic": "Planning predicts performance",
        "label": "Average share of target achieved with every plan created",
        "value": "120",
        "unit": "percent",
        "source": "Deloitte study of partner plans in Qollabi",
        "year": None,
        "sample": "400+ partner plans",
        "question": "",
    },
    {
        "code": "execution-60-percent",
        "metric": "plan_execution",
        "topic": "Planning predicts performance",
        "label": "Average share of target achieved when 60 % of planned activities are updated",
        "value": "135",
        "unit": "percent",
        "source": "Deloitte study of partner plans in Qollabi",
        "year": None,
        "sample": "400+ partner plans",
        "question": "",
    },
    {
        "code": "win-rate-sourced-delta",
        "metric": "win_rate",
        "topic": "Deals with partners",
        "label": "Higher win rate of partner-sourced deals",
        "value": "46",
        "unit": "percent",
        "source": "GTM Partners' Revealed Customer Research",
        "year": None,
        "sample": "",
        "question": "",
    },
    {
        "code": "win-rate-influenced-delta",
        "metric": "win_rate",
        "topic": "Deals with partners",
        "label": "Higher win rate of partner-influenced deals",
        "value": "99",
        "unit": "percent",
        "source": "GTM Partners' Revealed Customer Research",
        "year": None,
        "sample": "",
        "question": "",
    },
]


def rows() -> list[dict]:
    """The figures with defaults filled in (source, year and sample of the 2022 survey)."""
    out = []
    for order, figure in enumerate(FIGURES):
        out.append(
            {
                "segment": "",
                "segment_field": "",
                "segment_value": "",
                "source": SPO,
                "year": 2022,
                "sample": SPO_SAMPLE,
                **figure,
                "order": order,
            }
        )
    return out
