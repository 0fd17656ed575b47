"""What an issuer calls its alert, as codes: SAME event codes and NWS VTEC phenomenon.significance.

Codes say more than CAP's severity/urgency/certainty: a Red Flag Warning and
a Flash Flood Warning are both "Severe, Expected, Likely", but only one has
people in the water. Sources of the codes, in order of trust:

* CAP `<eventCode>` with valueName `SAME` (IPAWS CAP profile, EAS-CAP
  Industry Group ECIG 1.0 §3.6) or `NationalWeatherService` (NWS CAP v1.2):
  three letters, the table of 47 CFR 11.31(e) and weather.gov/nwr/eventcodes.
* NWS P-VTEC strings (NWS Instruction 10-1703, §3), given by NWS CAP as the
  `VTEC` parameter: `/O.NEW.KBOX.FF.W.0012.130419T1030Z-130419T1330Z/`
  gives `FF.W` (phenomenon FF flash flood, significance W warning; A watch,
  Y advisory, S statement, O outlook, F forecast, N synopsis).
* The event name, only when neither code is given (`codes_from_name`): the
  names of those two tables, as issuers write them ("Flash Flood Watch").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

# NWSI 10-1703 §3.3: /k.aaa.cccc.pp.s.####.yymmddThhnnZ-yymmddThhnnZ/ ; k is the product class
# (O operational, T test, E/X experimental), aaa the action.
_VTEC = re.compile(r"/([OTEX])\.([A-Z]{3})\.([A-Z0-9]{4})\.([A-Z]{2})\.([WAYSFON])\.(\d{4})\.")
# Actions that say the event no longer holds (cancelled, expired, or replaced by an upgrade).
_ENDED_ACTIONS = frozenset({"CAN", "EXP", "UPG"})
_SAME_CODE = re.compile(r"^[A-Z]{3}$")
_VTEC_CODE = re.compile(r"^[A-Z]{2}\.[WAYSFON]$")
CODE_SCHEMES = frozenset({"SAME", "NATIONALWEATHERSERVICE", "NWS"})

# Event names of 47 CFR 11.31(e) and NOAA Weather Radio (weather.gov/nwr/eventcodes) -> SAME code,
# then NWS products that have no SAME code -> VTEC phenomenon.significance (NWSI 10-1703 appendix).
NAMED_CODES: dict[str, str] = {
    "emergency action notification": "EAN",
    "emergency action termination": "EAT",
    "national information center": "NIC",
    "national periodic test": "NPT",
    "national audible test": "NAT",
    "national silent test": "NST",
    "required monthly test": "RMT",
    "required weekly test": "RWT",
    "administrative message": "ADR",
    "practice/demo warning": "DMO",
    "demo warning": "DMO",
    "network message notification": "NMN",
    "avalanche warning": "AVW",
    "avalanche watch": "AVA",
    "blizzard warning": "BZW",
    "blue alert": "BLU",
    "biological hazard warning": "BHW",
    "boil water warning": "BWW",
    "child abduction emergency": "CAE",
    "civil danger warning": "CDW",
    "civil emergency message": "CEM",
    "coastal flood warning": "CFW",
    "coastal flood watch": "CFA",
    "chemical hazard warning": "CHW",
    "contaminated water warning": "CWW",
    "dam watch": "DBA",
    "dam break warning": "DBW",
    "contagious disease warning": "DEW",
    "dust storm warning": "DSW",
    "earthquake warning": "EQW",
    "evacuation watch": "EVA",
    "evacuation immediate": "EVI",
    "extreme wind warning": "EWW",
    "food contamination warning": "FCW",
    "fire warning": "FRW",
    "flash flood warning": "FFW",
    "flash flood watch": "FFA",
    "flash flood statement": "FFS",
    "flood warning": "FLW",
    "flood watch": "FLA",
    "flood statement": "FLS",
    "hazardous materials warning": "HMW",
    "high wind warning": "HWW",
    "high wind watch": "HWA",
    "hurricane warning": "HUW",
    "hurricane watch": "HUA",
    "hurricane statement": "HLS",
    "iceberg warning": "IBW",
    "industrial fire warning": "IFW",
    "law enforcement warning": "LEW",
    "local area emergency": "LAE",
    "land slide warning": "LSW",
    "landslide warning": "LSW",
    "nuclear power plant warning": "NUW",
    "power outage statement": "POS",
    "radiological hazard warning": "RHW",
    "severe thunderstorm warning": "SVR",
    "severe thunderstorm watch": "SVA",
    "severe weather statement": "SVS",
    "shelter in place warning": "SPW",
    "shelter-in-place warning": "SPW",
    "special marine warning": "SMW",
    "special weather statement": "SPS",
    "storm surge watch": "SSA",
    "storm surge warning": "SSW",
    "snow squall warning": "SQW",
    "tornado warning": "TOR",
    "tornado watch": "TOA",
    "tropical storm warning": "TRW",
    "tropical storm watch": "TRA",
    "tsunami warning": "TSW",
    "tsunami watch": "TSA",
    "911 telephone outage emergency": "TOE",
    "volcano warning": "VOW",
    "wild fire warning": "WFW",
    "wildfire warning": "WFW",
    "wild fire watch": "WFA",
    "wildfire watch": "WFA",
    "winter storm warning": "WSW",
    "winter storm watch": "WSA",
    "red flag warning": "FW.W",
    "fire weather watch": "FW.A",
    "excessive heat warning": "EH.W",
    "excessive heat watch": "EH.A",
    "extreme heat warning": "EH.W",
    "extreme heat watch": "EH.A",
    "heat advisory": "HT.Y",
    "flood advisory": "FA.Y",
    "areal flood advisory": "FA.Y",
    "areal flood warning": "FA.W",
    "areal flood watch": "FA.A",
    "beach hazards statement": "BH.S",
    "rip current statement": "RP.S",
    "high surf advisory": "SU.Y",
    "high surf warning": "SU.W",
    "dust advisory": "DU.Y",
    "blowing dust advisory": "DU.Y",
    "wind advisory": "WI.Y",
    "lake wind advisory": "LW.Y",
    "dense fog advisory": "FG.Y",
    "dense smoke advisory": "SM.Y",
    "winter weather advisory": "WW.Y",
    "wind chill advisory": "WC.Y",
    "wind chill warning": "WC.W",
    "wind chill watch": "WC.A",
    "extreme cold warning": "EC.W",
    "extreme cold watch": "EC.A",
    "cold weather advisory": "CW.Y",
    "frost advisory": "FR.Y",
    "freeze warning": "FZ.W",
    "freeze watch": "FZ.A",
    "hard freeze warning": "HZ.W",
    "hard freeze watch": "HZ.A",
    "ice storm warning": "IS.W",
    "lake effect snow warning": "LE.W",
    "lake effect snow watch": "LE.A",
    "lake effect snow advisory": "LE.Y",
    "coastal flood advisory": "CF.Y",
    "coastal flood statement": "CF.S",
    "lakeshore flood warning": "LS.W",
    "lakeshore flood watch": "LS.A",
    "lakeshore flood advisory": "LS.Y",
    "small craft advisory": "SC.Y",
    "gale warning": "GL.W",
    "gale watch": "GL.A",
    "storm warning": "SR.W",
    "storm watch": "SR.A",
    "hurricane force wind warning": "HF.W",
    "hurricane force wind watch": "HF.A",
    "typhoon warning": "TY.W",
    "typhoon watch": "TY.A",
    "tsunami advisory": "TS.Y",
    "ashfall advisory": "AF.Y",
    "ashfall warning": "AF.W",
    "air stagnation advisory": "AS.Y",
    "hazardous seas warning": "SE.W",
    "heavy freezing spray warning": "UP.W",
    "freezing fog advisory": "ZF.Y",
    "low water advisory": "LO.Y",
    "brisk wind advisory": "BW.Y",
    "hydrologic outlook": "HY.O",
    "hazardous weather outlook": "HWO",
    "air quality alert": "AQA",
    "marine weather statement": "MWS",
    "short term forecast": "NOW",
}


def vtec_codes(text: str) -> list[str]:
    """`PP.S` for every operational P-VTEC string in `text` whose event still holds (not CAN/EXP/UPG)."""
    return [
        f"{match.group(4)}.{match.group(5)}"
        for match in _VTEC.finditer(text.upper())
        if match.group(1) == "O" and match.group(2) not in _ENDED_ACTIONS
    ]


def same_codes(values: Iterable[str]) -> list[str]:
    """The three-letter SAME (or NWS) event codes among `values`, upper-cased."""
    return [code for code in (value.strip().upper() for value in values) if _SAME_CODE.match(code)]


def explicit_codes(*, same: Iterable[str] = (), vtec: Iterable[str] = ()) -> tuple[str, ...]:
    """The codes an issuer gave: SAME event codes, then VTEC phenomenon.significance, each once."""
    return tuple(dict.fromkeys([*same_codes(same), *(code for text in vtec for code in vtec_codes(text))]))


def codes_from_name(name: str) -> tuple[str, ...]:
    """The code of a standard event name ("Flash Flood Watch" -> FFA), or () for a name the tables lack."""
    code = NAMED_CODES.get(" ".join(name.lower().split()))
    return (code,) if code else ()


def written_codes(codes: Iterable[str]) -> tuple[list[str], list[str]]:
    """Stored codes as an issuer writes them: SAME event codes, and VTEC strings (for documents written back).

    A VTEC string carries only the stored phenomenon.significance; its office,
    number and times are NWSI 10-1703 placeholders.
    """
    listed = list(codes)
    same = [code for code in listed if _SAME_CODE.match(code)]
    vtec = [f"/O.CON.KXXX.{code}.0000.000000T0000Z-000000T0000Z/" for code in listed if _VTEC_CODE.match(code)]
    return same, vtec
