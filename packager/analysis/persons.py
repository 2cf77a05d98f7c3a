"""Who is in the picture: persons shown, persons only mentioned, and names the vocabulary lacks.

A caption's first sentence says what the picture shows, but it may also
report something done elsewhere: "China's President Xi Jinping has launched
a major upgrade..." names him without showing him. IPTC PersonInImage must
only name people a viewer can see, so a person counts as *shown* only when
the first sentence presents them as present ("X speaks at", "X (centre)
meets", "Portrait of X", "X walks past"), and as *mentioned* when the words
around the name report an action off the picture: a reporting or past-tense
verb after the name ("said", "has launched", "announced"), a possessive
("X's policy"), a citing preposition before it ("under X", "by X",
"according to X"), or a subordinate clause it sits in ("where X ...").
When in doubt the person is mentioned: a wrong PersonInImage is a false
statement about a picture; a missing one is only an omission.

Names the vocabulary does not list are recognised when a role word
introduces them ("activist Ai Weiwei", "President Emmanuel Macron",
"Mr Wang"). That rule is deliberately narrow: a title-case role directly
before one to three capitalised words, at least two of them unless an
honorific ("Mr", "Dr") stands before a single surname.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from . import geo
from .vocab import Mention, Term

HONORIFICS = ("Mr", "Mrs", "Ms", "Miss", "Dr", "Madame", "Mme", "Sir", "Dame")
TITLES = ("President", "Vice President", "Premier", "Vice Premier", "Prime Minister", "Chancellor",
          "Foreign Minister", "Minister", "Secretary", "General Secretary", "Secretary-General", "Governor",
          "Mayor", "Chairman", "Chairwoman", "Senator", "General",
          "Ambassador", "Judge", "Professor", "Prof.", "Chief Executive", "Cardinal", "Archbishop", "Bishop",
          "Rabbi", "Imam", "Sheikh", "Crown Prince", "Crown Princess")
# Titles of monarchs, nobles and religious leaders, who are named by one name and the title ("Queen Victoria",
# "Pope Francis", "Emperor Meiji"); with a regnal number the number identifies them ("Elizabeth II").
ROYAL_TITLES = ("King", "Queen", "Emperor", "Empress", "Prince", "Princess", "Pope", "Tsar", "Czar", "Tsarina",
                "Sultan", "Shah", "Pharaoh", "Kaiser", "Duke", "Duchess", "Grand Duke", "Crown Prince",
                "Crown Princess", "Queen Mother", "Caliph", "Maharaja", "Maharajah", "Emir")
ROLE_NOUNS = ("activist", "artist", "dissident", "lawyer", "journalist", "photographer", "writer", "author", "poet",
              "scholar", "professor", "academic", "researcher", "scientist", "engineer", "programmer",
              "entrepreneur", "founder", "co-founder", "CEO", "chief executive", "chairman", "chairwoman",
              "spokesman", "spokeswoman", "spokesperson", "director", "blogger", "singer", "actor", "actress",
              "pastor", "imam", "monk", "farmer", "villager", "shopkeeper", "student", "teacher", "president",
              "premier", "minister", "mayor", "governor", "leader")
# Occupations that introduce a name ("footballer Mesut Özil"). Several are also ordinary capitalised words
# ("Star Ferry", "Model 3"), so their capitalised form counts only where a sentence starts.
OCCUPATIONS = ("laureate", "Nobel laureate", "influencer",
              "footballer", "cricketer", "athlete", "player", "striker", "goalkeeper", "coach", "champion", "star",
              "superstar", "rapper", "musician", "composer", "pianist", "violinist", "cellist", "conductor",
              "dancer", "ballerina", "model", "designer", "architect", "filmmaker", "film-maker", "comedian",
              "presenter", "broadcaster", "YouTuber", "vlogger", "streamer", "astronaut", "cosmonaut", "climber",
              "mountaineer", "runner", "marathoner", "swimmer", "cyclist", "boxer", "wrestler", "skater", "gymnast",
              "chef", "novelist", "playwright", "painter", "sculptor", "historian", "economist", "politician",
              "lawmaker", "legislator", "candidate", "campaigner", "protester", "survivor", "veteran", "doctor",
              "nurse", "surgeon", "priest", "rabbi", "bishop", "archbishop", "cardinal", "nun", "reporter",
              "correspondent", "editor", "curator", "collector", "philanthropist", "billionaire", "tycoon",
              "businessman", "businesswoman", "investor", "inventor", "opposition leader")
NOT_NAME_WORDS = frozenset({
    "The", "A", "An", "In", "At", "On", "Of", "And", "Or", "For", "With", "By", "From", "To", "This", "That",
    "Police", "Party", "Street", "Road", "Square", "University", "Hospital", "Park", "District", "Company",
    "Group", "Office", "Ministry", "Department", "Bureau", "Committee", "Council", "Congress", "Government",
    "Security", "Centre", "Center", "Hall", "Station", "Airport", "Museum", "China", "Chinese", "January",
    "February", "March", "April", "May", "June", "July", "August", "September", "October", "November", "December",
    "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday", "Island", "Islands", "Market",
    "Building", "Bridge", "Hotel", "School", "Theatre", "Theater", "Avenue", "Gate", "Palace", "Memorial",
    "Stadium", "Terminal", "Tower", "Temple", "Church", "Cathedral", "Mosque", "College", "Institute", "Festival",
    "Carnival", "Cup", "Day", "Award", "Prize", "Mall", "Plaza", "Jr", "Sr", "Land", "Sound", "Strait", "Bay",
    "Conference", "Summit", "Forum", "Week", "Fair", "Parade", "Election", "Elections",
    "Mountains", "River", "Lake", "Garden", "Gardens", "Library", "Trust", "War", "Games",
    "Olympics", "Marathon", "Bank", "Agency", "Army", "Navy", "Times", "Post", "News", "Daily", "Motors", "Club",
    "United", "Inc", "Ltd", "Corp", "FC", "Airlines", "Airways", "Association", "Society", "Union",
    "League", "Force", "Guard", "Corps", "Court", "Prison", "Camp", "Port", "Harbour", "Harbor", "Pier", "Ferry"})
# A name word: a capital letter then letters (any script with case: "Sebastião", "Özil"), with "Mc"/"Mac"/"O'"
# forms and hyphenated parts; lower-case particles may join the words ("Ursula von der Leyen").
_NAME_WORD = r"(?:Mc|Mac|O['’]|D['’])?[^\W\d_a-z][^\W\d_A-Z]+(?:[-'’][^\W\d_]+)*"
_PARTICLE = r"(?:van|von|der|den|de|del|della|di|da|dos|das|du|la|le|bin|bint|ibn|al|el|ter|zu)"
_PARTICLES = frozenset(_PARTICLE[3:-1].split("|"))
_REGNAL = r"(?:[IVX]{1,5})"
_CAPITALISED = tuple(r[0].upper() + r[1:] for r in ROLE_NOUNS + OCCUPATIONS if r.islower())
_ROLES = HONORIFICS + TITLES + ROLE_NOUNS + OCCUPATIONS + _CAPITALISED
_SENTENCE_ONLY = frozenset(r[0].upper() + r[1:] for r in OCCUPATIONS if r.islower()) - set(TITLES) - {
    r[0].upper() + r[1:] for r in ROLE_NOUNS}
_ROLE = "|".join(re.escape(r).replace(r"\ ", r"\s+") for r in sorted(set(_ROLES), key=len, reverse=True))
_UNLISTED = re.compile(rf"(?<![\w.])(?P<role>{_ROLE})\.?\s+(?P<name>{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)*"
                       rf"{_NAME_WORD}){{0,2}})")
_ROYAL = "|".join(re.escape(r).replace(r"\ ", r"\s+") for r in sorted(ROYAL_TITLES, key=len, reverse=True))
_ROYAL_NAME = re.compile(rf"(?<![\w.])(?P<role>{_ROYAL})\s+(?P<name>{_NAME_WORD}(?:\s+(?:{_PARTICLE}\s+)*"
                         rf"{_NAME_WORD})?)(?:\s+(?P<regnal>{_REGNAL}))?(?![\w'’-])")
# Capitalised words that may stand before a royal title; any other capitalised word makes the title part of a
# longer name ("Stephen King", "Burger King", "Martin Luther King").
_BEFORE_TITLE = frozenset({"The", "A", "An", "At", "In", "On", "Of", "By", "With", "For", "From", "Under", "During",
                           "Late", "Former", "Then", "As", "When", "After", "Before", "Since", "And"})

# Words after a name that report what the person did elsewhere, or say what they will do.
REPORTING = frozenset({
    "said", "says", "told", "tells", "announced", "announces", "declared", "declares", "claimed", "claims",
    "warned", "warns", "urged", "urges", "pledged", "pledges", "vowed", "vows", "promised", "promises", "plans",
    "planned", "wants", "wanted", "hopes", "hoped", "believes", "believed", "argues", "argued", "insists",
    "insisted", "stated", "states", "wrote", "writes", "tweeted", "ordered", "orders", "launched", "launches",
    "introduced", "introduces", "called", "calls", "proposed", "proposes", "decided", "decides", "has", "had",
    "have", "will", "would", "could", "should", "may", "might", "must", "can", "was", "were", "became", "took",
    "came", "made", "gave", "led", "won", "ran", "rose", "seeks", "sought", "aims", "aimed", "reported", "reports",
    "estimates", "estimated", "according"})
# Words before a name that cite the person rather than show them.
CITING = frozenset({"by", "under", "about", "against", "from", "whom", "whose", "than", "like"})
CLAUSES = frozenset({"where", "which", "because", "since", "as", "while", "when", "after", "before", "whereas",
                     "although", "though", "if", "unless", "until"})
# "of" shows the person only after a noun for a picture of them ("Portrait of Xi Jinping").
PICTURE_NOUNS = frozenset({"portrait", "portraits", "photo", "photos", "photograph", "photographs", "picture",
                           "pictures", "poster", "posters", "painting", "paintings", "image", "images", "mural",
                           "murals", "billboard", "billboards", "statue", "statues", "bust", "effigy", "close-up"})
_WORD = re.compile(r"[\w'’-]+|[^\w\s]")
_PARENTHETICAL = re.compile(r"\s*\([^()]{0,30}\)")


@dataclass(frozen=True)
class Unlisted:
    """A person found by a role word, not by the vocabulary: the archivist should check the name."""

    name: str
    role: str
    start: int
    end: int


def unlisted(text: str, known: list[Mention]) -> list[Unlisted]:
    """Names introduced by a role word that no vocabulary mention covers."""
    found: list[Unlisted] = []
    for match in _UNLISTED.finditer(text):
        role = re.sub(r"\s+", " ", match.group("role"))
        if role in _SENTENCE_ONLY and not _starts_sentence(text, match):
            continue
        words = match.group("name").split()
        while words and words[-1] in NOT_NAME_WORDS:
            words.pop()
        if not words or any(w in NOT_NAME_WORDS or not w[0].isupper() and w not in _PARTICLES for w in words):
            continue
        while words[-1] in _PARTICLES:
            words.pop()
        honorific = role in HONORIFICS
        if len([w for w in words if w not in _PARTICLES]) < (1 if honorific else 2) or _is_place(" ".join(words)):
            continue
        start = match.start("role") if honorific else match.start("name")
        end = _span_end(text, match, words)
        if any(m.start < end and start < m.end for m in known):
            continue
        name = f"{role} {' '.join(words)}" if honorific else " ".join(words)
        found.append(Unlisted(name, role, start, end))
    for person in _royals(text):
        others: list[Unlisted | Mention] = [*known, *found]
        if not any(_overlap(person, m) for m in others):
            found.append(person)
    return sorted(found, key=lambda p: p.start)


def _royals(text: str) -> list[Unlisted]:
    """Monarchs, nobles and religious leaders named by a title and one name, or a name and a regnal number."""
    found = []
    for match in _ROYAL_NAME.finditer(text):
        before = text[:match.start()].split()[-1:]
        if before and before[0][:1].isupper() and before[0] not in _BEFORE_TITLE \
                and not before[0].endswith(("'s", "’s", ".", "!", "?", ":", ";", ",", ")", "\"", "”")):
            continue  # "Stephen King", "Burger King": the title word is part of another name
        role = re.sub(r"\s+", " ", match.group("role"))
        words = match.group("name").split()
        if any(w in NOT_NAME_WORDS or not w[0].isupper() and w not in _PARTICLES for w in words):
            continue
        if _is_place(f"{role} {' '.join(words)}"):
            continue  # "Prince George" (British Columbia), "Queen Creek"; but "Queen Victoria" is a person
        regnal = match.group("regnal")
        name_words = [w for w in words if w not in _PARTICLES]
        if regnal:
            name = f"{' '.join(words)} {regnal}"
        else:
            name = f"{role} {words[0]}" if len(name_words) == 1 else " ".join(words)
        found.append(Unlisted(name, role, match.start(), match.end()))
    return found


def _starts_sentence(text: str, match: re.Match[str]) -> bool:
    before = text[:match.start()].rstrip(" \"“‘'(")
    return not before or before[-1] in ".!?:;"


def _is_place(name: str) -> bool:
    return bool(geo.reference().index.get(name) or geo.cities().index.get(name))


def _overlap(person: Unlisted, other: Unlisted | Mention) -> bool:
    return other.start < person.end and person.start < other.end


def _span_end(text: str, match: re.Match[str], words: list[str]) -> int:
    pos = match.start("name")
    for word in words:
        pos = text.index(word, pos) + len(word)
    return pos


def as_mention(person: Unlisted) -> Mention:
    term = Term("person", person.name, person.name, {"unlisted": True, "role": person.role})
    return Mention(person.start, person.end, person.name, term)


def is_shown(text: str, mention: Mention, first_end: int, people: list[Mention]) -> bool:
    """True when the first sentence presents the person as in the picture (see the module docstring)."""
    if mention.end > first_end:
        return False
    after = text[mention.end:first_end]
    if re.match(r"['’]s?(?!\w)", after):
        return False  # possessive: "Xi Jinping's policy"
    before = _words(text[:mention.start])
    lowered = [w.lower() for w in before]
    depicted = {i for i, w in enumerate(lowered) if w == "which" and i and lowered[i - 1] in ("in", "on")}
    if _cited(before) or any(w in CLAUSES and i not in depicted for i, w in enumerate(lowered)):
        return False  # "... since Xi Jinping came to power", "the gate where X is speaking": background
    # "a livestream in which the influencer X sells tea" describes what the pictured screen shows;
    # the person is judged by the verb that follows, like one in the main clause.
    verb = _next_word(after, mention, people)
    if verb in REPORTING:
        return False
    rest = after.lower()
    if verb.endswith("ed") and not re.search(rf"\b{re.escape(verb)}\s+by\b", rest):
        return False  # past narration ("Xi Jinping visited"); "flanked by guards" is a description
    if verb in ("is", "are"):
        following = _words(rest[rest.find(verb) + len(verb):])[:1]
        return bool(following) and (following[0].endswith("ing") or following[0].endswith("ed"))
    return True


# ", where Huawei has its headquarters": a clause after the scene that only tells about the organisation.
_BACKGROUND_CLAUSE = re.compile(r",\s*(?:where|which|whose|because|since|although|though|while)\b[^,.;:]*$",
                                re.IGNORECASE)


def is_cited(text: str, mention: Mention, first_end: int) -> bool:
    """True when an organisation in the first sentence is only a source ("according to X", "X said")
    or named in a background clause ("..., where Huawei has its headquarters")."""
    if _BACKGROUND_CLAUSE.search(text[:mention.start]):
        return True
    before = _words(text[:mention.start])[-2:]
    if [w.lower() for w in before] == ["according", "to"]:
        return True
    return _next_word(text[mention.end:first_end], mention, []) in REPORTING - {"has", "have", "can", "will"}


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text) if w[0].isalnum()]


def _cited(before: list[str]) -> bool:
    if not before:
        return False
    last = before[-1].lower()
    if last == "of":
        return len(before) < 2 or before[-2].lower() not in PICTURE_NOUNS
    return last in CITING


def _next_word(after: str, mention: Mention, people: list[Mention]) -> str:
    """The first word after a name, skipping "(centre)", appositive roles and coordinated names."""
    rest = _PARENTHETICAL.sub("", after, count=1) if after.lstrip().startswith("(") else after
    names = sorted({p.text for p in people if p is not mention}, key=len, reverse=True)
    while True:
        stripped = rest.lstrip(" ,")
        joined = re.match(r"(?:and|&)\s+", stripped)
        candidate = stripped[joined.end():] if joined else stripped
        name = next((n for n in names if candidate.startswith(n)), None)
        if name is None:
            break
        rest = _PARENTHETICAL.sub("", candidate[len(name):], count=1)
    words = _words(rest)
    while words and words[0][0].isupper() and not rest.lstrip().startswith(("(", ",")):
        words.pop(0)  # the rest of a name matched by a short variant ("President Xi" Jinping)
    return words[0].lower() if words else ""
