"""Is a news item about a crisis? Phrase rules per category, matched on word boundaries, case-insensitively.

The rules are plain data (category -> phrases) so the policy file can replace
them. Categories are tried in the mapping's order and the first that matches
wins, so instructions people must act on (shelter in place, lockdown,
evacuation) come before the hazards that cause them. Exclusions are idioms
whose words would otherwise match ("a flood of orders", "fire sale"): their
text is blanked out before the rules run.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache

log = logging.getLogger(__name__)

DEFAULT_CRISIS_RULES: Mapping[str, Sequence[str]] = {
    # First: a story that the danger is over ("shelter-in-place order lifted")
    # names the crisis too, but must not raise a flag of its own.
    "all_clear": ("all clear", "all-clear", "order lifted", "orders lifted", "warning lifted", "warnings lifted",
                  "has been lifted", "have been lifted", "was lifted", "were lifted", "is lifted", "are lifted"),
    "shelter_in_place": ("shelter in place", "sheltering in place", "sheltered in place", "stay indoors",
                         "remain indoors", "stay inside"),
    "lockdown": ("lockdown", "lockdowns", "locked down", "lock down"),
    "evacuation": ("evacuation", "evacuations", "evacuate", "evacuated", "evacuating", "evacuees",
                   # es / fr / it / pt / de
                   "evacuación", "evacuados", "desalojo", "desalojados", "évacuation", "évacués", "evacuazione",
                   "evacuati", "sfollati", "evacuação", "evacuados", "desalojados", "desabrigados",
                   "evakuierung", "evakuiert"),
    "curfew": ("curfew", "curfews", "toque de queda", "couvre-feu", "coprifuoco", "toque de recolher",
               "ausgangssperre"),
    "state_of_emergency": ("state of emergency", "emergency declaration", "declared an emergency",
                           "disaster declaration", "declares emergency", "estado de emergencia",
                           "état d'urgence", "stato di emergenza", "estado de emergência", "notstand"),
    "terror": ("terror attack", "terror attacks", "terrorist attack", "terrorist", "terrorists", "terrorism",
               "hostage", "hostages", "hostage-taking", "suicide bomber", "suicide bombing",
               "atentado", "atentados", "rehenes", "attentat", "attentats", "otages", "attentato", "ostaggi",
               "reféns", "anschlag", "anschläge", "geiseln", "geiselnahme"),
    "shooting": ("shooting", "shootings", "shooter", "gunman", "gunmen", "gunfire", "gunshot", "gunshots",
                 "shots fired", "opened fire", "open fire", "shot dead", "shot and killed", "shots", "was shot",
                 "were shot", "been shot", "suspect shot", "rampage",
                 "tiroteo", "balacera", "fusillade", "coups de feu", "sparatoria", "tiroteio", "schießerei",
                 "schüsse"),
    "violence": ("stabbing", "stabbings", "stabbed", "knife attack", "knifeman", "machete attack",
                 "killed", "killing", "killings", "murdered", "massacre", "attacked", "attacker", "attackers",
                 "air strike", "airstrike", "airstrikes", "shelling", "turned violent", "turn violent",
                 "violent protests", "clashes", "lynching",
                 "apuñalado", "apuñalamiento", "asesinado", "asesinados", "masacre", "ataque", "enfrentamientos",
                 "poignardé", "attaque au couteau", "tués", "massacre", "affrontements", "accoltellato", "uccisi",
                 "ucciso", "strage", "scontri", "esfaqueado", "assassinado", "assassinados", "chacina", "ataque",
                 "confrontos", "messerangriff", "erstochen", "getötet", "massaker", "ausschreitungen"),
    "explosion": ("explosion", "explosions", "exploded", "explodes", "blast", "blasts", "bomb", "bombs",
                  "bombing", "bombings", "bombed", "detonated", "detonation", "meteor", "meteorite",
                  "fireball", "shock wave", "shockwave",
                  "explosión", "explosiones", "explosão", "explosões", "esplosione", "esplosioni", "explosion",
                  "bombe", "bomba", "bombas", "метеорит", "взрыв"),
    "manhunt": ("manhunt", "armed and dangerous"),
    "riot": ("riot", "riots", "rioting", "rioters", "looting", "looters", "violent clashes", "civil unrest",
             "disturbios", "saqueos", "émeutes", "pillages", "saccheggi", "tumulti", "saques", "tumultos",
             "krawalle", "plünderungen"),
    "chemical_spill": ("chemical spill", "chemical leak", "gas leak", "toxic spill", "toxic leak", "toxic cloud",
                       "hazmat", "hazardous materials", "fuga de gas", "fuite de gaz", "fuga di gas",
                       "vazamento de gás", "gasleck"),
    "collapse": ("building collapse", "collapse", "collapsed", "collapses", "caved in", "rubble", "debris",
                 "derrumbe", "derrumbó", "colapso", "escombros", "effondrement", "effondré", "décombres", "crollo",
                 "crollato", "crollata", "macerie", "desabamento", "desabou", "escombros", "einsturz",
                 "eingestürzt", "trümmer"),
    "transport_accident": ("crash", "crashed", "crashes", "derailment", "derailed", "derails", "collision",
                           "collided", "plane crash", "train crash", "capsized", "sank", "shipwreck",
                           "accidente", "descarrilamiento", "descarriló", "choque", "accident", "déraillement",
                           "incidente", "deragliamento", "naufragio", "acidente", "descarrilamento",
                           "naufrágio", "unfall", "entgleisung", "entgleist", "zugunglück", "absturz"),
    "fire": ("fire", "fires", "blaze", "blazes", "inferno", "flames", "fire broke out", "house fire",
             "building fire", "warehouse fire", "apartment fire", "factory fire", "engulfed in flames",
             "caught fire", "set on fire", "firefighters battle", "incendio", "incendios", "incêndio",
             "incêndios", "incendie", "incendies", "brand", "feuer", "großbrand"),
    "wildfire": ("wildfire", "wildfires", "bushfire", "bushfires", "forest fire", "forest fires", "brush fire",
                 "grass fire", "incendio forestal", "incendie de forêt", "incendio boschivo", "waldbrand"),
    "earthquake": ("earthquake", "earthquakes", "quake", "quakes", "aftershock", "aftershocks", "tremor",
                   "tremors", "terremoto", "terremotos", "sismo", "sismos", "temblor", "réplica", "réplicas",
                   "replicas", "séisme", "séismes", "tremblement de terre", "secousse", "sisma", "scossa",
                   "scosse", "abalo sísmico", "erdbeben", "nachbeben", "lindol", "gempa"),
    "tsunami": ("tsunami", "tsunamis", "tidal wave", "maremoto"),
    "hurricane": ("hurricane", "hurricanes", "typhoon", "typhoons", "cyclone", "cyclones", "tropical storm",
                  "storm surge", "huracán", "tifón", "ouragan", "typhon", "uragano", "tifone", "furacão",
                  "tufão", "orkan", "taifun", "wirbelsturm", "bagyo", "bagyong"),
    "storm": ("storm", "storms", "landfall", "storm signal", "heavy rain", "heavy rains", "torrential rain",
              "torrential rains", "gale", "gales", "tormenta", "temporal", "tempête", "nubifragio", "maltempo",
              "tempesta", "tempestade", "temporal", "unwetter", "sturm"),
    "tornado": ("tornado", "tornadoes", "tornados", "twister", "twisters", "tornade"),
    "flood": ("flood", "floods", "flooding", "flooded", "flash flood", "flash flooding", "floodwaters",
              "floodwater", "inundated", "burst its banks", "over their banks", "overflowing", "overflowed",
              "submerged", "rising water", "water level", "inundación", "inundaciones", "inundado",
              "inundados", "inondation", "inondations", "inondé", "crue", "crues", "alluvione", "alluvioni",
              "esondazione", "allagamenti", "allagato", "enchente", "enchentes", "inundação", "inundações",
              "alagamento", "überschwemmung", "überschwemmungen", "hochwasser", "flut", "esondato", "baha",
              "banjir"),
    "winter_storm": ("blizzard", "blizzards", "ice storm", "winter storm", "snowstorm", "snowstorms",
                     "avalanche", "avalanches", "avalancha", "valanga", "lawine"),
    "heat": ("heat wave", "heatwave", "extreme heat", "ola de calor", "canicule", "ondata di calore",
             "onda de calor", "hitzewelle"),
    "air_quality": ("haze", "smog", "air quality", "air pollution", "toxic smoke", "smoke"),
    "landslide": ("landslide", "landslides", "mudslide", "mudslides", "deslizamiento", "deslave",
                  "glissement de terrain", "frana", "frane", "deslizamento", "erdrutsch", "mure"),
    "volcano": ("eruption", "erupted", "erupting", "lava", "ash cloud", "erupción", "éruption", "eruzione",
                "erupção", "vulkanausbruch"),
    "disease_outbreak": ("outbreak", "outbreaks", "epidemic", "pandemic", "cholera", "ebola", "measles",
                         "brote", "epidemia", "épidémie", "focolaio", "surto", "ausbruch", "seuche"),
    "blackout": ("blackout", "blackouts", "power outage", "power outages", "power cut", "power cuts",
                 "without power", "lost power", "loses power", "apagón", "panne de courant", "stromausfall"),
    # What a hazard shuts: schools, roads and flights closed "due to" it (Philippine agencies announce
    # suspended classes for every storm).
    "disruption": ("classes suspended", "suspended classes", "suspension of classes", "class suspension",
                   "walang pasok", "schools closed", "roads closed", "road closed", "closed due to",
                   "flights suspended", "flights cancelled", "flights canceled", "state of calamity"),
    # What a disaster leaves behind, in stories that name no hazard ("death toll rises to 300",
    # "rescuers pull survivor from the site"): people killed, hurt, missing or trapped in numbers.
    "casualties": ("death toll", "dead", "died", "deaths", "injured", "injuries", "wounded", "casualties",
                   "bodies", "survivor", "survivors", "rescue", "rescued", "rescuers", "rescue workers", "relief",
                   "relief operations", "relief goods", "victims", "disaster",
                   "search and rescue", "trapped", "displaced", "first responders", "blood donors",
                   "muertos", "muertas", "heridos", "fallecidos", "damnificados", "desaparecidos", "morts",
                   "blessés", "disparus", "sinistrés", "morti", "feriti", "dispersi", "soccorritori", "mortos",
                   "feridos", "acidentados", "doação de sangue", "doar sangue", "doando sangue", "doe sangue",
                   "patay", "nasawi", "sugatan", "korban", "tewas", "tote", "toten", "verletzte", "verletzt",
                   "vermisste", "rettungskräfte"),
    # Last, and only with two different of its words (see CORROBORATED): the vocabulary of help and
    # loss, which everyday news uses alone ("tax relief", "emergency department", "scam victims").
    "aftermath": ("missing", "homeless", "donations", "donate", "red cross", "tragedy", "emergency", "damage",
                  "damaged", "destroyed", "devastated", "devastation", "aftermath", "condolences", "pray for",
                  "praying for", "víctimas", "rescate", "tragedia", "emergencia", "daños", "victimes",
                  "secours", "tragédie", "urgence", "dégâts", "vittime", "soccorsi", "emergenza", "danni",
                  "vítimas", "resgate", "tragédia", "emergência", "vigília", "luto", "opfer", "katastrophe",
                  "notfall"),
}

DEFAULT_CRISIS_EXCLUSIONS: Sequence[str] = (
    *(f"{flood} {of} {thing}" for flood in ("flood", "floods", "flooded", "flooding") for of in ("of", "with", "in with")
      for thing in ("orders", "calls", "complaints", "requests", "applications", "emails", "messages",
                    "tributes", "interest", "cash", "money", "investment", "offers", "bids", "memes")),
    "flood the market", "flooding the market", "fire sale", "fire sales", "under fire", "rapid fire",
    "on fire", "caught fire on social media", "fire back", "fires back", "fired back", "fired up", "fire up",
    "cease fire", "ceasefire", "fire alarm test", "fire drill", "fire chief", "fire department",
    "fire station", "fire hydrant", "fire safety", "fire insurance", "fire pit", "fire exit", "fire exits",
    "set the world on fire", "hold fire", "friendly fire", "crossfire", "fire escape",
    "shooting star", "shooting stars", "shooting guard", "shooting percentage", "photo shoot",
    "box office bomb", "bombed at the box office", "photobomb", "blackout dates", "blackout period",
    "media blackout", "blast from the past", "had a blast", "riot of colour", "riot of color",
    "lockdown defence", "lockdown defense", "tsunami of debt", "tsunami of data",
    *(f"explosion {of} {thing}" for of in ("of", "in") for thing in ("interest", "popularity", "growth", "demand",
                                                                      "sales", "colour", "color", "flavour", "flavor")),
    "quake in their boots", "political earthquake", "political quake", "youthquake",
    # Markets, sport and everyday idiom: the words of a crisis in a sense that endangers nobody.
    *(f"{market} {crash}" for market in ("stock", "stocks", "market", "markets", "share", "shares", "price",
                                         "prices", "bitcoin", "crypto", "housing", "oil", "dow", "nasdaq")
      for crash in ("crash", "crashes", "crashed", "collapse", "collapsed", "collapses", "plunge")),
    "crash course", "crash courses", "crashed the party", "gate crash", "gatecrash", "website crashed",
    "site crashed", "server crashed", "app crashed", "system crashed", "computer crashed", "crashed the market",
    "killing it", "killed it", "kills it", "killing time", "killer app", "making a killing", "made a killing",
    "dead heat", "dead end", "dead serious", "dead last", "dead ball", "deadline", "dead wrong", "drop dead",
    "attacking midfielder", "attacking play", "counter attack", "counterattack", "heart attack",
    "panic attack", "attack on the title", "price collapse", "talks collapsed", "talks collapse",
    "deal collapsed", "collapse of talks", "storm of criticism", "brainstorm", "took by storm", "take by storm",
    "fashion disaster", "disaster for the team", "injury time", "injured list", "injured reserve",
    "rescue deal", "rescue package", "bailout", "emergency meeting", "emergency rate cut", "emergency brake",
    "damage control", "smoke and mirrors", "smoke-free", "smoke free", "no smoke without fire",
    "missing out", "missing the point", "missed", "sinking feeling", "feeling the heat", "heat of the moment",
    "flood of", "the killing fields", "killing floor",
    # Help, loss and rescue in their everyday senses.
    "tax relief", "debt relief", "pain relief", "sigh of relief", "relief pitcher", "relief rally",
    "comic relief", "in relief", "animal rescue", "to the rescue", "rescue dog", "rescue dogs", "rescue plan",
    "rescue bid", "scam victims", "fraud victims", "victims of fraud", "victims of scams", "recipe for disaster",
    "disaster movie", "disaster film", "disaster recovery plan",
    # Reports that nothing happened ("no damage reported").
    "no damage", "no injuries", "no casualties", "no deaths", "no one was hurt", "no one was injured",
    "no reports of damage", "no reports of injuries", "without injuries", "sin daños", "sin heridos",
    "aucun blessé", "aucun dégât", "nessun ferito", "nessun danno", "sem feridos", "keine verletzten", "ataque cardíaco", "ataque cardiaco",
    "ataque al corazón", "crise cardiaque", "attacco di cuore", "flu shot", "flu shots", "booster shot",
    "booster shots", "vaccine shots", "shots on goal", "shots on target", "shot on goal", "big shots",
    "brain storm", "perfect storm", "storm in a teacup", "storm the stage", "stormed off",
)

# Words of sport, markets and entertainment. In a text that has one, the crisis words that are also their
# idiom (a striker "fires", shares "crash", a critic "attacked" a film) say nothing; the hazards that have no
# such sense (earthquake, wildfire, hostage, gunman) still count. Errs towards missing the rare real
# disaster reported in a sports or business story, which names the hazard itself.
OFF_TOPIC_CUES: Sequence[str] = (
    "coach", "striker", "midfielder", "goalkeeper", "quarterback", "pitcher", "playoff", "playoffs",
    "league", "derby", "tournament", "championship", "title hopes", "defeat", "victory", "scored", "goals",
    "inning", "innings", "overtime", "hat-trick", "hat trick", "nba", "nfl", "mlb", "nhl", "fifa",
    "world cup", "grand slam", "semifinal", "semi-final", "final whistle", "shares", "stocks", "stock market",
    "investors", "prices", "price", "earnings", "profit", "profits", "revenue", "nasdaq", "dow jones",
    "bitcoin", "crypto", "ipo", "album", "movie", "film", "box office", "critics", "song", "concert",
    "episode", "box set", "app", "smartphone", "startup", "polls", "opinion poll",
    "partido", "liga", "gol", "goles", "bolsa", "acciones", "match", "championnat", "bourse", "actions",
    "partita", "campionato", "borsa", "jogo", "campeonato", "bolsa de valores", "spiel", "bundesliga",
    "tore", "börse", "aktien",
)
AMBIGUOUS_WORDS: Sequence[str] = (
    "fire", "fires", "fired", "blast", "blasts", "disaster", "dead", "storm", "storms", "attack", "attacks",
    "attacked", "attacker", "injured", "injury", "injuries", "missing", "crash", "crashed", "crashes",
    "killed", "killing", "shot", "shots", "collapse", "collapsed", "collapses", "bomb", "bombed", "bombs",
    "explosion", "tragedy", "emergency", "damage", "damaged", "destroyed", "devastated", "rescue", "rescued",
    "victims", "flames", "inferno", "massacre", "rampage", "smoke", "clashes", "debris", "rubble",
    "ataque", "choque", "crollo", "colapso", "strage", "tragedia", "tragédia", "disaster",
)

# Categories that fire only on this many different phrases of theirs.
CORROBORATED = {"aftermath": 2}

# Magnitude figures in earthquake reports ("M 4.7", "magnitude 6,1", "Ml:5.1", "4.5 earthquake").
_MAGNITUDE = re.compile(
    r"(?:\b(?:m[lbwsd]?|magnitude|magnitud|magnitudo|magnitudes|grados)\s*[=:]?\s*(\d(?:[.,]\d+)?)(?![\d.,]*\s*(?:km|mi)\b))"
    r"|(?:\b(\d[.,]\d)\s*(?:-\s|magnitude|earthquake|quake|sismo|terremoto|séisme))",
    re.IGNORECASE,
)
# An earthquake this weak harms no one: instrument reports of small quakes are not crises.
HARMFUL_MAGNITUDE = 5.0
# ...nor does the tsunami that instrument feeds tag every report with.
_SEISMIC = frozenset({"earthquake", "tsunami"})
_HASHTAG = re.compile(r"#(\w+)")
_WORD = re.compile(r"\w+")
_CAMEL = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|\d+")
# A lower-case hashtag whose first or last word is a crisis word, with this much left over ("#yycflood", "#floodph").
_HASHTAG_AFFIX = 4


# The only characters re.IGNORECASE matches with an ASCII letter that lower() does not turn into it
# (found by trying every code point): a text with one is scanned without the first-word test.
_ASCII_CASE_TWINS = re.compile("[\u0130\u0131\u017f\u212a]")


@dataclass(frozen=True)
class CrisisMatch:
    """The crisis category a text was put in and the phrases that put it there."""

    category: str
    matched: tuple[str, ...]


def classify_crisis(
    text: str,
    rules: Mapping[str, Sequence[str]] = DEFAULT_CRISIS_RULES,
    *,
    exclusions: Sequence[str] = DEFAULT_CRISIS_EXCLUSIONS,
) -> CrisisMatch | None:
    """The first category (in rule order) whose phrases occur in `text`, or None for no crisis."""
    patterns, exclusion = _compile(tuple((category, tuple(phrases)) for category, phrases in rules.items()),
                                   tuple(exclusions))
    if "#" in text:
        text = f"{text} {_hashtag_words(text, patterns)}"
    words = None if _ASCII_CASE_TWINS.search(text) else frozenset(_WORD.findall(text.lower()))
    candidates = [(category, phrases) for category, phrases in patterns if phrases.may_occur(words)]
    if not candidates:
        return None  # most news: no crisis word at all, and nothing more to do
    if exclusion is not None and exclusion.may_occur(words):
        text = exclusion.pattern.sub(lambda match: " " * len(match.group()), text)
    off_topic, ambiguous = _context_patterns()
    if off_topic.may_occur(words) and off_topic.pattern.search(text):
        text = ambiguous.pattern.sub(lambda match: " " * len(match.group()), text)
    for category, phrases in candidates:
        found = tuple(dict.fromkeys(phrase.lower() for phrase in phrases.pattern.findall(text)))
        if len(found) >= CORROBORATED.get(category, 1) and not (category in _SEISMIC and _only_weak_quakes(text)):
            return CrisisMatch(category, found)
    return None


def _only_weak_quakes(text: str) -> bool:
    """Whether the text gives magnitudes and all of them are below what harms people ("M 2.1, Central Alaska")."""
    magnitudes = [float((a or b).replace(",", ".")) for a, b in _MAGNITUDE.findall(text)]
    return bool(magnitudes) and max(magnitudes) < HARMFUL_MAGNITUDE


def _hashtag_words(text: str, patterns: list[tuple[str, _Phrases]]) -> str:
    """The words inside hashtags ("#HighParkFire" -> "High Park Fire", "#yycflood" -> "flood").

    Posts name the event in a hashtag as often as in words. CamelCase splits on
    its capitals; a lower-case tag counts only when it starts or ends with a
    one-word crisis phrase and has at most a few letters left (a place code).
    """
    words = []
    single = _single_words(tuple(p for _, p in patterns))
    for tag in _HASHTAG.findall(text):
        if not tag.islower():
            words += _CAMEL.findall(tag)
            continue
        for word in single:
            if (tag.startswith(word) or tag.endswith(word)) and len(tag) - len(word) <= _HASHTAG_AFFIX:
                words.append(word)
                break
    return " ".join(words)


@lru_cache(maxsize=1)
def _context_patterns() -> tuple[_Phrases, _Phrases]:
    off_topic, ambiguous = _phrases(OFF_TOPIC_CUES), _phrases(AMBIGUOUS_WORDS)
    assert off_topic is not None and ambiguous is not None
    return off_topic, ambiguous


@lru_cache(maxsize=16)
def _single_words(patterns: tuple[_Phrases, ...]) -> tuple[str, ...]:
    # Longest first: "#floods" is "floods", not "flood" with an "s" over.
    return tuple(sorted({w for p in patterns for w in p.words if " " not in w and len(w) >= 4}, key=len, reverse=True))


@dataclass(frozen=True)
class _Phrases:
    """A compiled phrase list, and the lower-case first words one of which every match must contain."""

    pattern: re.Pattern[str]
    # lower() agrees with re.IGNORECASE on every letter but the twins of _ASCII_CASE_TWINS (whose texts
    # are scanned without the test), accented ones included ("É" -> "é").
    leads: frozenset[str] | None
    # The phrases, lower-case (hashtags are read against the one-word ones).
    words: tuple[str, ...] = ()

    def may_occur(self, words: frozenset[str] | None) -> bool:
        """False when no phrase can occur in the text, given its lower-case words (None: test nothing, scan).

        A set test of first words is a fraction of the cost of the pattern's
        scan, and most news names no crisis. Blanking out exclusions cannot make
        a first word appear, so the test holds for the blanked text too.
        """
        return words is None or self.leads is None or not self.leads.isdisjoint(words)


def _phrases(phrases: Sequence[str]) -> _Phrases | None:
    words = [phrase.split() for phrase in phrases if phrase.strip()]
    alternatives = sorted({r"[\s\-]+".join(map(re.escape, phrase)) for phrase in words}, key=len, reverse=True)
    if not alternatives:
        return None
    # "shelter in place" also matches "shelter-in-place" and line-wrapped text.
    pattern = re.compile(rf"(?<!\w)(?:{'|'.join(alternatives)})(?!\w)", re.IGNORECASE)
    # The first word as the text's words are split (\w+): "hostage-taking" leads with "hostage".
    leads = frozenset(_WORD.match(phrase[0].lower()).group() for phrase in words if _WORD.match(phrase[0]))
    return _Phrases(pattern, leads, tuple(" ".join(phrase).lower() for phrase in words))


@lru_cache(maxsize=16)
def _compile(
    rules: tuple[tuple[str, tuple[str, ...]], ...], exclusions: tuple[str, ...]
) -> tuple[list[tuple[str, _Phrases]], _Phrases | None]:
    patterns = [(category, compiled) for category, phrases in rules if (compiled := _phrases(phrases))]
    return patterns, _phrases(exclusions)
