"""How OFLC disclosure files of every year map onto Puente's fields, declared once, as data.

``FIELDS``: for each Puente field, the header aliases seen across years, in order of preference.
Headers are compared after removing case, spaces, underscores and every other non-alphanumeric
character (``Case_Num`` == ``CASE NUM`` == ``casenum``). An alias that is a tuple joins several
columns with a space (agent first and last names). For one row, the first alias whose column is
present and non-blank gives the value: so a file with both ``LAWFIRM_NAME`` and
``AGENT_ATTORNEY_NAME`` names the firm as the agent, and falls back to the person's name.

A new fiscal year whose headers follow these patterns imports without code changes; a new header
spelling is one more alias here.
"""

import re

FIELDS: dict[str, list] = {
    "case_number": ["CASE_NUMBER", "CASE_NO", "Case_Num", "Case_Number", "CASE_NUM"],
    "visa": ["VISA_CLASS", "VISA_TYPE", "APPLICATION_TYPE", "Case_Type"],
    "status": ["CASE_STATUS", "Case_Status", "Last_Sig_Event", "STATUS"],
    "decision_date": ["DECISION_DATE", "Decision_Date", "Last_Event_Date", "DETERMINATION_DATE"],
    "employer_name": ["EMPLOYER_NAME", "Employer_Name", "Emp_Name", "EMPLOYER_BUSINESS_NAME"],
    "employer_city": ["EMPLOYER_CITY", "Employer_City", "Emp_City"],
    "employer_state": ["EMPLOYER_STATE", "Employer_State", "Emp_State", "EMPLOYER_STATE_PROVINCE"],
    "employer_postal_code": ["EMPLOYER_POSTAL_CODE", "Employer_Postal_Code", "Emp_Zip", "EMPLOYER_ZIP"],
    "agent_name": [
        "LAWFIRM_NAME", "LAW_FIRM_NAME", "AGENT_ATTORNEY_FIRM_NAME", "Att_Firm_Name",
        "AGENT_ATTORNEY_NAME", "Agent_Attorney_Name",
        ("AGENT_ATTORNEY_FIRST_NAME", "AGENT_ATTORNEY_LAST_NAME"),
        ("Att_First", "Att_Last"),
    ],
    "job_title": ["JOB_TITLE", "Job_Title", "OCC_Title"],
    "soc_code": ["SOC_CODE", "SOC_CODE_ID"],
    "soc_title": ["SOC_TITLE", "SOC_CODE_TITLE"],
    # Measures: exactly one of these columns may be present (two, or one twice, refuse the file).
    "workers_requested": [
        "NBR_WORKERS_REQUESTED", "Nbr_Workers_Requsted", "Nbr_Workers_Requested", "Num_Aliens",
        "NBR_REQUESTED_WORKERS", "WORKERS_REQUESTED", "TOTAL_WORKERS_REQUESTED",
        "TOTAL_WORKERS_H-2A_REQUESTED", "TOTAL_WORKERS_H-2B_REQUESTED", "TOTAL_WORKER_POSITIONS_REQUESTED",
        "TOTAL_WORKERS_NEEDED", "NBR_WORKERS_NEEDED", "NUMBER_OF_WORKERS_REQUESTED", "Num_Aliens_Requested",
    ],
    "workers_certified": [
        "NBR_WORKERS_CERTIFIED", "Nbr_Workers_Certified", "NBR_CERTIFIED_WORKERS", "WORKERS_CERTIFIED",
        "TOTAL_WORKERS_CERTIFIED", "TOTAL_WORKERS_H-2A_CERTIFIED", "TOTAL_WORKERS_H-2B_CERTIFIED",
        "TOTAL_WORKER_POSITIONS_CERTIFIED", "Num_Aliens_Certified", "NUMBER_OF_WORKERS_CERTIFIED",
        "CERTIFIED_WORKERS", "TOTAL_CERTIFIED_WORKERS",
    ],
    "wage_offered": [
        "BASIC_RATE_OF_PAY", "Basic_Rate_of_Pay", "Salary", "WAGE_OFFER", "BASIC_WAGE_RATE_FROM", "WAGE_OFFER_FROM",
    ],
    "wage_unit": ["BASIC_UNIT_OF_PAY", "Wage_Rate_Per", "Unit_of_Pay", "WAGE_UNIT_OF_PAY", "PER"],
    "period_start": [
        "CERTIFICATION_BEGIN_DATE", "Certification_Begin_Date", "REQUESTED_START_DATE_OF_NEED",
        "EMPLOYMENT_BEGIN_DATE", "BEGIN_DATE",
    ],
    "period_end": [
        "CERTIFICATION_END_DATE", "Certification_End_Date", "REQUESTED_END_DATE_OF_NEED",
        "EMPLOYMENT_END_DATE", "END_DATE",
    ],
    "worksite_city": ["WORKSITE_CITY", "WORKSITE_LOCATION_CITY", "ALIEN_WORK_CITY", "Work_City"],
    "worksite_state": ["WORKSITE_STATE", "WORKSITE_LOCATION_STATE", "ALIEN_WORK_STATE", "Work_State"],
    "org_flag": ["ORGANIZATION_FLAG", "TYPE_OF_EMPLOYER_APPLICATION"],
    "primary_sub": ["PRIMARY/SUB", "PRIMARY_SUB"],
}

# Fields whose numbers are counted in totals: a value that is not a number refuses the file. A file
# without the column has the measure unknown (NULL, "not in this file"), never 0 and never taken
# from another column.
COUNTED_FIELDS = ("workers_requested", "workers_certified")
# A file without one of these columns cannot be understood at all.
REQUIRED_FIELDS = ("case_number", "employer_name")
# Headers that look like a measure's column (their key contains every word of one of the tuples)
# but are not one of its spellings: the file is refused rather than the measure guessed or lost.
MEASURE_LOOKALIKES = {
    "workers_requested": [("WORKER", "REQUEST"), ("ALIEN", "REQUEST"), ("POSITION", "REQUEST"), ("WORKER", "NEEDED")],
    "workers_certified": [("WORKER", "CERTIF"), ("ALIEN", "CERTIF"), ("POSITION", "CERTIF")],
}

# Case status as filed -> normalised status, for every spelling of every year seen (compared like
# headers: without case, spaces or punctuation, so "Certified - Full" == "CERTIFIED, FULL").
# Only certified, partial and expired (a certification that later expired) certify positions.
# "other" is an application not (yet) decided: received, incomplete, remanded, in review. A value
# not listed here refuses the file, naming the value and the row: a new spelling is one line here.
STATUSES: dict[str, str] = {
    # H-2A FY2006-2010 (also H-2A FY2011-2012)
    "Certified - Full": "certified", "Certified - Partial": "partial", "Denied": "denied",
    "Withdrawn": "withdrawn", "Incomplete": "other", "Received": "other", "Modification": "other",
    # H-2B FY2005 (Last_Sig_Event)
    "Certified, Temporary": "certified", "Denied, Temporary": "denied", "Withdrawn, Temporary": "withdrawn",
    "Remand Issued to Employer": "other", "Remand Issued to State": "other", "Received Regional Office": "other",
    "Returned By Emp after Remand": "other", "NOF Issued": "other",
    # H-2B FY2009
    "CERTIFIED": "certified", "PARTIAL CERTIFIED": "partial", "FINAL REVIEW": "other",
    # H-2A FY2014-2016 and later
    "Determination Issued - Certification": "certified",
    "Determination Issued - Partial Certification": "partial",
    "Determination Issued - Certification Expired": "expired",
    "Determination Issued - Partial Certification Expired": "expired",
    "Determination Issued - Withdrawn": "withdrawn",
    "Determination Issued - Denied": "denied",
    # H-2B FY2016 and later
    "Certification": "certified", "Partial Certification": "partial", "Certification Expired": "expired",
    "Partial Certification Expired": "expired",
    # Obvious variants of the above
    "Certified - Expired": "expired", "Partially Certified": "partial", "Certified Partial": "partial",
    "Certified Full": "certified", "Partial Certification - Expired": "expired", "Expired": "expired",
}

# Organisation flag (H-2A, FY2008 on) as filed -> one letter. Blank stays blank.
ORG_FLAGS: list[tuple[str, str]] = [
    (r"^s$|individual employer|sole employer", "S"),
    (r"^a$|filing as agent", "A"),
    (r"^j$|joint employer", "J"),
    (r"^m$", "M"),
    (r"contractor", "L"),
]

# Values that mean "none" where a name is expected (an agent "N/A"), compared like headers.
NONE_VALUES = frozenset({"", "NA", "NONE", "NOTAPPLICABLE", "NULL", "NIL", "NOAGENT", "NOATTORNEY"})

# PRIMARY/SUB (FY2016): a SUB row is a member of the master application above it.
PRIMARY_VALUES = {"PRI", "PRIMARY", "P"}
SUB_VALUES = {"SUB", "S", "SUBORDINATE"}

# Visa class as filed -> visa. Other values (H-2B FY2005's "TEMP") say nothing.
VISA_VALUES = {"H2A": "H-2A", "H2B": "H-2B"}

# Wage unit as filed -> one word.
WAGE_UNITS = {
    "HR": "hour", "H": "hour", "HOUR": "hour", "HOURLY": "hour",
    "WK": "week", "W": "week", "WEEK": "week", "WEEKLY": "week",
    "BI": "bi-weekly", "BIWEEKLY": "bi-weekly", "BI-WEEKLY": "bi-weekly",
    "MTH": "month", "M": "month", "MONTH": "month", "MONTHLY": "month",
    "YR": "year", "A": "year", "YEAR": "year", "ANNUAL": "year", "YEARLY": "year",
    "DAI": "day", "DAY": "day", "DAILY": "day", "D": "day",
    "PIECE RATE": "piece", "PIECE": "piece",
}

# File names: visa and fiscal year when the content does not say (H-2A_FY14_Q4.xlsx, H2B_FY2005.csv).
FILENAME_VISA = re.compile(r"H-?_?2\s*-?_?([AB])", re.IGNORECASE)
FILENAME_FY = re.compile(r"FY\s*-?_?(\d{4}|\d{2})(?!\d)", re.IGNORECASE)

US_STATES = {
    "ALABAMA": "AL", "ALASKA": "AK", "ARIZONA": "AZ", "ARKANSAS": "AR", "CALIFORNIA": "CA",
    "COLORADO": "CO", "CONNECTICUT": "CT", "DELAWARE": "DE", "DISTRICT OF COLUMBIA": "DC",
    "FLORIDA": "FL", "GEORGIA": "GA", "HAWAII": "HI", "IDAHO": "ID", "ILLINOIS": "IL",
    "INDIANA": "IN", "IOWA": "IA", "KANSAS": "KS", "KENTUCKY": "KY", "LOUISIANA": "LA",
    "MAINE": "ME", "MARYLAND": "MD", "MASSACHUSETTS": "MA", "MICHIGAN": "MI", "MINNESOTA": "MN",
    "MISSISSIPPI": "MS", "MISSOURI": "MO", "MONTANA": "MT", "NEBRASKA": "NE", "NEVADA": "NV",
    "NEW HAMPSHIRE": "NH", "NEW JERSEY": "NJ", "NEW MEXICO": "NM", "NEW YORK": "NY",
    "NORTH CAROLINA": "NC", "NORTH DAKOTA": "ND", "OHIO": "OH", "OKLAHOMA": "OK", "OREGON": "OR",
    "PENNSYLVANIA": "PA", "RHODE ISLAND": "RI", "SOUTH CAROLINA": "SC", "SOUTH DAKOTA": "SD",
    "TENNESSEE": "TN", "TEXAS": "TX", "UTAH": "UT", "VERMONT": "VT", "VIRGINIA": "VA",
    "WASHINGTON": "WA", "WEST VIRGINIA": "WV", "WISCONSIN": "WI", "WYOMING": "WY",
    "PUERTO RICO": "PR", "GUAM": "GU", "VIRGIN ISLANDS": "VI", "U.S. VIRGIN ISLANDS": "VI",
    "NORTHERN MARIANA ISLANDS": "MP", "AMERICAN SAMOA": "AS",
}
STATE_CODES = frozenset(US_STATES.values())


def header_key(header) -> str:
    """``Case_Num`` -> ``CASENUM``: headers compared without case, spaces or punctuation."""
    return re.sub(r"[^0-9A-Z]", "", str(header or "").upper())


STATUS_KEYS = {header_key(spelling): status for spelling, status in STATUSES.items()}
