"""What the partners demo is made of (`partners.demo` builds it through the services): Nimbus Cloud's four
programs with their tiers, its 40 partners, the people's names and the journey progress by status.

`SMALL_PORTFOLIO` is the part of the portfolio `seed_demo --size small` builds (the test suite's demo):
every partner status, type, archetype, segment and program, partners in two programs, a partnership that
ended; 14 partners instead of 40.
"""

from __future__ import annotations

from decimal import Decimal

PROGRAMS = [
    {
        "name": "Reseller",
        "kind": "reseller",
        "compensation_model": "percent",
        "rate": Decimal("20.00"),
        "description": "Partners who buy Nimbus licences and resell them with their own services.",
        "tiers": [
            ("Registered", None, 0, 0, ["Partner portal and sales playbook", "Not-for-resale demo tenant"]),
            (
                "Silver",
                Decimal("150000"),
                2,
                0,
                ["Deal registration protection (90 days)", "Quarterly pipeline review"],
            ),
            ("Gold", Decimal("500000"), 5, 0, ["Named partner manager", "Co-marketing funds (MDF)", "Joint QBR"]),
        ],
    },
    {
        "name": "Referral",
        "kind": "referral",
        "compensation_model": "fixed_fee",
        "rate": Decimal("1000.00"),
        "description": "Introduce a customer; earn a fixed fee for every converted lead.",
        "tiers": [
            ("Starter", None, 0, 0, ["Referral link and lead form"]),
            (
                "Advocate",
                None,
                0,
                500,
                ["Fee raised to 1,250 EUR per converted lead", "Listing in the partner directory"],
            ),
            ("Champion", None, 0, 2000, ["Fee raised to 1,500 EUR per converted lead", "Joint customer events"]),
        ],
    },
    {
        "name": "Technology",
        "kind": "technology",
        "compensation_model": "none",
        "rate": None,
        "description": "ISVs building integrations with the Nimbus platform.",
        "tiers": [
            ("Integrated", None, 0, 0, ["Sandbox and API support", "Marketplace listing"]),
            ("Certified integration", None, 1, 0, ["Certified badge", "Joint solution brief"]),
            ("Strategic ISV", None, 2, 0, ["Roadmap briefings", "Co-selling with Nimbus account executives"]),
        ],
    },
    {
        "name": "Services",
        "kind": "services",
        "compensation_model": "percent",
        "rate": Decimal("10.00"),
        "description": "Integrators and consultancies delivering Nimbus implementations.",
        "tiers": [
            ("Registered", None, 0, 0, ["Implementation methodology", "Partner training catalogue"]),
            ("Certified", Decimal("100000"), 3, 0, ["Referral of implementation projects", "Certified partner badge"]),
            ("Premier", Decimal("400000"), 8, 0, ["Priority project referrals", "Dedicated solution architect"]),
        ],
    },
]

# name, domain, types, archetype, segment, focus, region, country, size, industry, status, programs [(name, tier)]
PARTNERS = [
    ("Brightpath Consulting", "brightpath-consulting.example", ["systems-integrator"], "delivery-champion",
     "strategic", True, "EMEA", "DE", "201-500", "IT services", "active",
     [("Services", "Premier"), ("Reseller", "Gold")]),
    ("Northwind Cloud Partners", "northwind-cloud.example", ["reseller", "msp"], "selling-ally", "strategic", True,
     "EMEA", "GB", "501-2000", "Managed services", "active", [("Reseller", "Gold")]),
    ("Cobalt Data Systems", "cobaltdata.example", ["technology"], "joint-innovator", "strategic", True, "NAM", "US",
     "201-500", "Data platforms", "active", [("Technology", "Strategic ISV")]),
    ("Helix Integrators", "helix-integrators.example", ["systems-integrator"], "delivery-champion", "strategic",
     True, "EMEA", "NL", "51-200", "IT services", "active", [("Services", "Certified"), ("Referral", "Advocate")]),
    ("Atlas Digital Agency", "atlas-digital.example", ["agency"], "ecosystem-pioneer", "transactional", False,
     "EMEA", "FR", "51-200", "Marketing", "active", [("Referral", "Champion")]),
    ("Meridian IT Distribution", "meridian-distribution.example", ["distributor"], "selling-ally", "strategic", True,
     "EMEA", "DE", "2001+", "Distribution", "active", [("Reseller", "Gold")]),
    ("Quartz Analytics", "quartz-analytics.example", ["technology"], "joint-innovator", "transactional", False,
     "NAM", "CA", "0-50", "Analytics software", "active", [("Technology", "Certified integration")]),
    ("Summit Managed Services", "summit-msp.example", ["msp"], "delivery-champion", "transactional", False, "NAM",
     "US", "51-200", "Managed services", "at_risk", [("Reseller", "Silver")]),
    ("Lumen Security", "lumen-security.example", ["technology", "strategic-alliance"], "joint-innovator",
     "strategic", True, "NAM", "US", "501-2000", "Security software", "active",
     [("Technology", "Strategic ISV"), ("Referral", "Champion")]),
    ("Fjord Solutions", "fjord-solutions.example", ["systems-integrator"], "delivery-champion", "transactional",
     False, "EMEA", "NO", "51-200", "IT services", "onboarding", [("Services", "Registered")]),
    ("Pacifica Cloud Marketplace", "pacifica-market.example", ["cloud-marketplace"], "ecosystem-pioneer",
     "strategic", True, "APAC", "SG", "2001+", "Cloud marketplace", "active", [("Reseller", "Silver")]),
    ("Tandem Referral Network", "tandem-referrals.example", ["referral", "affiliate"], "selling-ally",
     "transactional", False, "EMEA", "ES", "0-50", "Business services", "active", [("Referral", "Advocate")]),
    ("Orbit Software House", "orbit-software.example", ["technology"], "joint-innovator", "transactional", False,
     "EMEA", "PL", "51-200", "Software", "onboarding", [("Technology", "Integrated")]),
    ("Kestrel Advisory", "kestrel-advisory.example", ["referral"], "selling-ally", "transactional", False, "EMEA",
     "CH", "0-50", "Consulting", "active", [("Referral", "Starter")]),
    ("Redwood Systems Integration", "redwood-si.example", ["systems-integrator", "reseller"], "delivery-champion",
     "strategic", True, "NAM", "US", "501-2000", "IT services", "active",
     [("Services", "Premier"), ("Reseller", "Silver")]),
    ("Sakura Digital", "sakura-digital.example", ["agency", "referral"], "ecosystem-pioneer", "transactional", False,
     "APAC", "JP", "51-200", "Digital services", "vetting", []),
    ("Granite Networks", "granite-networks.example", ["msp", "reseller"], "selling-ally", "transactional", False,
     "EMEA", "IE", "201-500", "Telecom", "active", [("Reseller", "Registered")]),
    ("Beacon Growth Partners", "beacon-growth.example", ["affiliate"], "selling-ally", "transactional", False, "NAM",
     "US", "0-50", "Marketing", "inactive", [("Referral", "Starter")]),
    ("Vertex Cloud Services", "vertex-cloud.example", ["msp"], "delivery-champion", "strategic", True, "EMEA", "DE",
     "201-500", "Managed services", "active", [("Reseller", "Silver"), ("Services", "Certified")]),
    ("Aurora Insights", "aurora-insights.example", ["technology"], "joint-innovator", "transactional", False, "EMEA",
     "FI", "0-50", "Analytics software", "prospect", []),
    ("Pinnacle Alliance Group", "pinnacle-alliance.example", ["strategic-alliance"], "ecosystem-pioneer",
     "strategic", True, "NAM", "US", "2001+", "Consulting", "onboarding", [("Services", "Registered")]),
    ("Cedar Lane Consulting", "cedarlane.example", ["systems-integrator"], "delivery-champion", "transactional",
     False, "EMEA", "GB", "51-200", "Consulting", "active", [("Services", "Certified")]),
    ("Mosaic Marketing Co", "mosaic-marketing.example", ["agency"], "ecosystem-pioneer", "transactional", False,
     "LATAM", "BR", "51-200", "Marketing", "onboarding", [("Referral", "Starter")]),
    ("Ironclad Compliance", "ironclad-compliance.example", ["technology", "referral"], "joint-innovator",
     "transactional", False, "EMEA", "BE", "51-200", "Compliance software", "active",
     [("Technology", "Certified integration"), ("Referral", "Starter")]),
    ("Harborview Partners", "harborview.example", ["reseller"], "selling-ally", "transactional", False, "NAM", "CA",
     "51-200", "IT services", "at_risk", [("Reseller", "Registered")]),
    ("Nova Integrations", "nova-integrations.example", ["systems-integrator"], "delivery-champion", "transactional",
     False, "APAC", "AU", "201-500", "IT services", "active", [("Services", "Certified")]),
    ("Silverline Distribution", "silverline-dist.example", ["distributor"], "selling-ally", "strategic", True,
     "APAC", "IN", "2001+", "Distribution", "vetting", []),
    ("Tidewater Tech", "tidewater-tech.example", ["msp"], "delivery-champion", "transactional", False, "NAM", "US",
     "0-50", "Managed services", "prospect", []),
    ("Polar Bear Software", "polarbear-software.example", ["technology"], "joint-innovator", "transactional", False,
     "EMEA", "SE", "51-200", "Software", "active", [("Technology", "Integrated")]),
    ("Everest Business Solutions", "everest-bs.example", ["reseller", "systems-integrator"], "selling-ally",
     "strategic", True, "EMEA", "AT", "201-500", "IT services", "active",
     [("Reseller", "Silver"), ("Services", "Registered")]),
    ("Canopy Referral Partners", "canopy-referrals.example", ["referral"], "selling-ally", "transactional", False,
     "EMEA", "DK", "0-50", "Business services", "active", [("Referral", "Advocate")]),
    ("Solstice Cloud", "solstice-cloud.example", ["cloud-marketplace", "reseller"], "ecosystem-pioneer",
     "transactional", False, "LATAM", "MX", "201-500", "Cloud services", "onboarding", [("Reseller", "Registered")]),
    ("Keystone Data Partners", "keystone-data.example", ["systems-integrator"], "delivery-champion", "transactional",
     False, "NAM", "US", "51-200", "Data services", "at_risk", [("Services", "Registered")]),
    ("Zephyr Apps", "zephyr-apps.example", ["technology", "affiliate"], "joint-innovator", "transactional", False,
     "EMEA", "PT", "0-50", "Software", "vetting", []),
    ("Ridgeline Security Services", "ridgeline-sec.example", ["msp"], "delivery-champion", "transactional", False,
     "EMEA", "GB", "51-200", "Security services", "active", [("Reseller", "Registered")]),
    ("Alder & Finch", "alderfinch.example", ["agency"], "ecosystem-pioneer", "transactional", False, "EMEA", "IT",
     "0-50", "Marketing", "prospect", []),
    ("Crestview Technologies", "crestview-tech.example", ["reseller"], "selling-ally", "transactional", False,
     "APAC", "NZ", "51-200", "IT services", "active", [("Reseller", "Silver")]),
    ("Lighthouse Learning", "lighthouse-learning.example", ["agency", "referral"], "ecosystem-pioneer",
     "transactional", False, "EMEA", "IE", "0-50", "Training", "inactive", []),
    ("Monarch Consulting Group", "monarch-consulting.example", ["systems-integrator", "strategic-alliance"],
     "delivery-champion", "strategic", True, "EMEA", "FR", "2001+", "Consulting", "active",
     [("Services", "Premier"), ("Referral", "Champion")]),
    ("Sequoia Cloud Labs", "sequoia-labs.example", ["technology"], "joint-innovator", "strategic", True, "NAM", "US",
     "201-500", "Cloud software", "onboarding", [("Technology", "Integrated")]),
]  # fmt: skip

SMALL_PORTFOLIO = {
    "Brightpath Consulting",  # two programs, strategic systems integrator
    "Northwind Cloud Partners",
    "Cobalt Data Systems",  # technology
    "Helix Integrators",  # services and referral
    "Atlas Digital Agency",
    "Meridian IT Distribution",
    "Summit Managed Services",  # at risk
    "Lumen Security",  # strategic alliance, technology and referral
    "Mosaic Marketing Co",  # onboarding, Latin America
    "Pacifica Cloud Marketplace",
    "Tandem Referral Network",  # referral and affiliate
    "Sakura Digital",  # vetting
    "Beacon Growth Partners",  # inactive: its partnership ended
    "Aurora Insights",  # prospect
}

FIRST = ["Jana", "Lukas", "Amelia", "Oliver", "Sofia", "Mateo", "Yuki", "Priya", "Noah", "Elena", "Liam", "Chloé"]
LAST = ["Weber", "Clarke", "Jansen", "Moreau", "Rossi", "Santos", "Tanaka", "Sharma", "Nielsen", "Novak"]

# Journey stage reached (order 1..6) by partner status, chosen by the seeded random generator.
STAGES_BY_STATUS = {
    "onboarding": [1, 1, 2],
    "active": [2, 3, 3, 4, 4, 5, 6],
    "at_risk": [2, 3, 4],
    "inactive": [1, 2],
}
CERTIFICATIONS = ["Nimbus Certified Architect", "Nimbus Sales Professional", "Nimbus Implementation Specialist"]
