"""Refuse bad engagement inputs before anything is generated.

Prints one line saying what is wrong and exits 1; cookiecutter then removes the partial
output folder. The values are rendered below as JSON string literals, so quotes or
braces in them cannot break this script.
"""

import re
import sys

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MONTH = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
LANGUAGES = ("en", "fr")
SAMPLE_DATA = ("yes", "no")

try:  # the kit's own list when the kit is importable, else this copy (ISO 4217, 2024)
    from helpers.config import ISO_4217
except ImportError:
    ISO_4217 = frozenset(
        """AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BHD BIF BMD BND BOB BRL BSD
        BTN BWP BYN BZD CAD CDF CHF CLP CNY COP CRC CUP CVE CZK DJF DKK DOP DZD EGP ERN ETB EUR
        FJD FKP GBP GEL GHS GIP GMD GNF GTQ GYD HKD HNL HTG HUF IDR ILS INR IQD IRR ISK JMD JOD
        JPY KES KGS KHR KMF KPW KRW KWD KYD KZT LAK LBP LKR LRD LSL LYD MAD MDL MGA MKD MMK MNT
        MOP MRU MUR MVR MWK MXN MYR MZN NAD NGN NIO NOK NPR NZD OMR PAB PEN PGK PHP PKR PLN PYG
        QAR RON RSD RUB RWF SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP STN SVC SYP SZL THB TJS
        TMT TND TOP TRY TTD TWD TZS UAH UGX USD UYU UZS VES VND VUV WST XAF XCD XCG XOF XPF YER
        ZAR ZMW ZWG""".split()
    )


def problem(values):
    """The first thing wrong with the inputs, as one line, or None."""
    if not str(values["client_name"]).strip():
        return "client_name is empty; give the client's name"
    slug = str(values["engagement_slug"])
    if not SLUG.match(slug):
        return (
            f"engagement_slug {slug!r} is not valid: use lower-case letters, digits and "
            "single hyphens (e.g. 'acme-2026')"
        )
    if str(values["currency"]) not in ISO_4217:
        return (
            f"currency {values['currency']!r} is not an ISO 4217 code "
            "(e.g. EUR, USD, GBP, CHF)"
        )
    if values["language"] not in LANGUAGES:
        return f"language {values['language']!r} is not supported: choose en or fr"
    if not MONTH.match(str(values["period_start"])):
        return f"period_start {values['period_start']!r} is not a month YYYY-MM (e.g. 2023-01)"
    if values["sample_data"] not in SAMPLE_DATA:
        return f"sample_data {values['sample_data']!r} must be yes or no"
    return None


VALUES = {
    "client_name": {{ cookiecutter.client_name | tojson }},
    "engagement_slug": {{ cookiecutter.engagement_slug | tojson }},
    "currency": {{ cookiecutter.currency | tojson }},
    "language": {{ cookiecutter.language | tojson }},
    "period_start": {{ cookiecutter.period_start | tojson }},
    "sample_data": {{ cookiecutter.sample_data | tojson }},
}

if __name__ == "__main__":
    reason = problem(VALUES)
    if reason:
        print(f"Error: {reason}", file=sys.stderr)
        sys.exit(1)
