"""Organisations, persons, events and controlled keywords: exact values, shown against mentioned."""

from __future__ import annotations

import pytest

from packager.analysis import entities, text, vocab
from packager.analysis.entities import Agents, collect, find_keywords, keyword_uri
from packager.analysis.record import analyse
from packager.model import CollectionInfo, Item

MEDTOP = "http://cv.iptc.org/newscodes/mediatopic/"
CONGRESS = "19th National Congress of the Communist Party of China"


def agents(caption: str) -> Agents:
    spans = text.sentence_spans(caption)
    first_end = spans[0][1] if spans else len(caption)
    return collect(vocab.longest(vocab.proper_matcher().find(caption)), first_end, caption)


# --- persons: shown or only mentioned ---------------------------------------------

@pytest.mark.parametrize("caption, shown, mentioned", [
    (("Screen capture of a video at the showroom of Megvii in Beijing. China’s President Xi Jinping has launched "
      "a major upgrade of the Chinese surveillance state."), (), ("Xi Jinping",)),
    ("China's President Xi Jinping has launched a major upgrade of the surveillance state.", (), ("Xi Jinping",)),
    ("Xi Jinping waves at the Great Hall of the People.", ("Xi Jinping",), ()),
    ("President Xi Jinping speaks at the opening of the congress in Beijing.", ("Xi Jinping",), ()),
    ("Xi Jinping (centre) meets Emmanuel Macron at the Great Hall of the People.",
     ("Xi Jinping", "Emmanuel Macron"), ()),
    ("Xi Jinping, flanked by guards, inspects troops.", ("Xi Jinping",), ()),
    ("Portrait of Mao Zedong on Tiananmen Gate.", ("Mao Zedong",), ()),
    ("Protesters hold portraits of Liu Xiaobo in Hong Kong.", ("Liu Xiaobo",), ()),
    ("A poster showing Xi Jinping's slogans in Kashgar.", (), ("Xi Jinping",)),
    ("Police guard a street under Xi Jinping's new campaign.", (), ("Xi Jinping",)),
    ("Li Keqiang said the economy would grow.", (), ("Li Keqiang",)),
    ("Xi Jinping and Li Keqiang announced the plan.", (), ("Xi Jinping", "Li Keqiang")),
    ("Xi Jinping and Li Keqiang attend a meeting.", ("Xi Jinping", "Li Keqiang"), ()),
    ("Xi Jinping visited Hikvision in 2017.", (), ("Xi Jinping",)),
    ("Students read a textbook about Deng Xiaoping.", (), ("Deng Xiaoping",)),
    ("Guards stand at the gate where Xi Jinping is speaking.", (), ("Xi Jinping",)),
    ("A man reads a newspaper. Xi Jinping waves from its front page.", (), ("Xi Jinping",)),
])
def test_persons_shown_only_when_the_first_sentence_presents_them(caption: str, shown: tuple, mentioned: tuple) -> None:
    found = agents(caption)
    assert (found.persons_shown, found.persons_mentioned) == (shown, mentioned)


@pytest.mark.parametrize("caption, shown, mentioned, note", [
    ("Chinese artist Ai Weiwei walks past his installation in Berlin.", ("Ai Weiwei",), (), None),
    ("President Emmanuel Macron walks past guards in Paris.", ("Emmanuel Macron",), (), None),
    ("Mr Wang checks his phone in a cafe in Hangzhou.", ("Mr Wang",), (), {"name": "Mr Wang", "role": "Mr"}),
    ("Activist Zhang Wei said police had detained him.", (), ("Zhang Wei",), {"name": "Zhang Wei", "role": "Activist"}),
    ("Farmers at work. Villager Li Hua Ming watches them.", (), ("Li Hua Ming",),
     {"name": "Li Hua Ming", "role": "Villager"}),
    ("An activist stands in The Square.", (), (), None),  # no name after the role word
    ("President Trump waves.", ("Donald Trump",), (), None),  # the vocabulary's canonical name wins
    ("Professor Wang at a lectern.", (), (), None),  # a single name needs an honorific
])
def test_unlisted_persons_are_found_by_their_role_word(caption: str, shown: tuple, mentioned: tuple,
                                                       note: dict[str, str] | None) -> None:
    found = agents(caption)
    assert (found.persons_shown, found.persons_mentioned) == (shown, mentioned)
    assert found.notes == ((("I210", note),) if note else ())


def test_without_the_caption_text_first_sentence_persons_count_as_shown() -> None:
    caption = "Xi Jinping said hello. Li Keqiang waved."
    mentions = vocab.longest(vocab.proper_matcher().find(caption))
    found = collect(mentions, text.sentence_spans(caption)[0][1])
    assert (found.persons_shown, found.persons_mentioned) == (("Xi Jinping",), ("Li Keqiang",))


# --- organisations, products, events ------------------------------------------------

@pytest.mark.parametrize("caption, organisations", [
    ("Huawei staff test a 5G base station in Shenzhen.", ("Huawei",)),
    ("Cameras made by Hangzhou Hikvision Digital Technology on a pole.", ("Hikvision",)),
    ("Visitors at the showroom of Sensetime and the stand of Dahua.", ("SenseTime", "Dahua Technology")),
    ("Officers of the People’s Armed Police march past.", ("People's Armed Police",)),
    ("A man looks at his WeChat app in a subway. Tencent says the app has a billion users.", ("Tencent",)),
    ("A demo of Face ++ in a hall.", ("Megvii",)),
    ("Police officers at a checkpoint, according to Human Rights Watch.", ()),
    ("A checkpoint in Kashgar. Human Rights Watch documented such checkpoints.", ()),
    ("Xinhua said the robots are in service.", ()),
])
def test_organisations_are_those_featured_in_the_first_sentence(caption: str, organisations: tuple) -> None:
    assert agents(caption).organisations == organisations


def test_products_give_their_maker_and_events_do_not_give_their_organiser() -> None:
    found = agents("Delegates use WeChat during the Communist Party's 19th congress.")
    assert found.organisations == ("Tencent",)
    assert found.products == ("WeChat",)
    assert found.events == (CONGRESS,)
    assert agents("A guard. The 19th congress opened.").events == ()  # background sentence: not the event shown


@pytest.mark.parametrize("written, canonical", [
    ("Sensetime", "SenseTime"), ("Megvii Technology", "Megvii"), ("Chinese Communist Party", "Communist Party of China"),
    ("CCP", "Communist Party of China"),
    ("Ministry of Public Security", "Ministry of Public Security of the People's Republic of China"),
    ("PLA", "People's Liberation Army"), ("Cyberspace Administration of China", "Cyberspace Administration of China"),
    ("ByteDance", "ByteDance"), ("China Mobile", "China Mobile"), ("Yitu", "Yitu Technology"),
    ("CloudWalk", "CloudWalk Technology"), ("iFlytek", "iFlytek"), ("ZTE", "ZTE"), ("Baidu", "Baidu"),
])
def test_organisation_variants_give_the_canonical_name(written: str, canonical: str) -> None:
    assert agents(f"Staff of {written} at work.").organisations == (canonical,)


def test_vocabulary_makers_and_organisers_are_known_organisations() -> None:
    ents = vocab.entities()
    assert len(ents.organisations) >= 80 and len(ents.persons) >= 30
    assert all(p.data["maker"] in ents.organisations for p in ents.products.values())
    assert {"Hikvision", "Dahua Technology", "SenseTime", "Megvii", "Yitu Technology", "CloudWalk Technology",
            "iFlytek", "Huawei", "ZTE", "Alibaba Group", "Tencent", "Baidu", "ByteDance", "China Mobile",
            "People's Armed Police", "People's Liberation Army", "Cyberspace Administration of China"} \
        <= set(ents.organisations)
    assert ents.products["Face++"].data["maker"] == "Megvii"


# --- keywords ------------------------------------------------------------------------

def test_depicted_keywords_come_from_the_first_sentence_only() -> None:
    caption = "A programmer at his desk. The firm sells robots to hotels and police for surveillance."
    assert find_keywords(caption) == ("surveillance",)
    assert find_keywords("A robot greets hotel guests.") == ("robots", "hotels")


def test_subject_keywords_come_from_every_sentence() -> None:
    assert find_keywords("A man at a desk. Facial recognition and A.I. spread.") == (
        "facial recognition", "biometrics", "artificial intelligence")


@pytest.mark.parametrize("label, topic", [
    ("surveillance", "20001299"), ("artificial intelligence", "20001298"), ("privacy", "20001300"),
    ("police", "20000133"), ("ethnic minorities", "20000795"), ("facial recognition", "20000762"),
    ("shopping malls", "20001296"), ("party congresses", "20001259"),
])
def test_keyword_uri_links_iptc_media_topics(label: str, topic: str) -> None:
    assert keyword_uri(label) == MEDTOP + topic


def test_keyword_uri_is_none_without_a_fitting_topic() -> None:
    assert keyword_uri("mahjong") is None and keyword_uri("not a keyword") is None and keyword_uri("Face++") is None


def test_every_media_topic_link_is_well_formed_and_labelled() -> None:
    concepts = vocab.keywords().concepts
    linked = {label: t.data["media_topic"] for label, t in concepts.items() if "media_topic" in t.data}
    assert len(linked) == 11
    assert all(topic["match"] in ("exact", "broad") and topic["label"] for topic in linked.values())
    assert {label for label, topic in linked.items() if topic["match"] == "broad"} == {
        "facial recognition", "biometrics", "smartphones"}


# --- digital source type -------------------------------------------------------------

@pytest.mark.parametrize("first_sentence, code", [
    ("Screen capture of a CCTV feed in Urumqi.", "screenCapture"),
    ("A screen-grab from state television.", "screenCapture"),
    ("Screenshots of the Alipay app.", "screenCapture"),
    ("SCREENSHOT OF A CHAT.", "screenCapture"),
    ("A visitor takes a screenshot of a screen.", "digitalCapture"),
    ("Screens capture every face in the hall.", "digitalCapture"),
    ("Capture of a suspect on screen.", "digitalCapture"),
])
def test_source_type_comes_from_the_opening_words(first_sentence: str, code: str) -> None:
    default = "http://cv.iptc.org/newscodes/digitalsourcetype/digitalCapture"
    assert entities.source_type(first_sentence, default) == "http://cv.iptc.org/newscodes/digitalsourcetype/" + code


# --- names found by their form: events, organisations, persons after occupations and royal titles -----------

@pytest.mark.parametrize("caption, events", [
    ("Revellers dance at the 2019 Notting Hill Carnival in London.", ("2019 Notting Hill Carnival",)),
    ("Runners cross a bridge during the Boston Marathon.", ("Boston Marathon",)),
    ("Models walk the runway during Paris Fashion Week.", ("Paris Fashion Week",)),
    ("Delegates arrive at COP 26 in Glasgow.", ("2021 United Nations Climate Change Conference",)),
    ("Protesters outside the United Nations Climate Change Conference (COP21) in Paris.",
     ("2015 United Nations Climate Change Conference",)),
    ("Fans watch the 2018 World Cup final in Moscow.", ("2018 FIFA World Cup",)),
    ("Fans at the Rugby World Cup in Tokyo.", ("Rugby World Cup",)),
    ("Families watch fireworks for the Spring Festival in Harbin.", ("Chinese New Year",)),
    ("Delegates at the 8th Party Congress in Pyongyang.", ("8th Party Congress",)),
    ("Children light lamps for Diwali in Jaipur.", ("Diwali",)),
    ("Members of the World Uyghur Congress meet in Munich.", ()),  # a congress without an edition is a body
    ("Festival goers queue at a gate.", ()),  # a head noun alone is not a name
    ("A stage in a park. The Glastonbury Festival opened on Friday.", ()),  # background: not the event shown
])
def test_events_are_found_by_the_form_of_their_name(caption: str, events: tuple) -> None:
    assert agents(caption).events == events


def test_an_organisation_inside_an_events_name_is_not_shown() -> None:
    found = agents("Activists march outside the United Nations Climate Change Conference in Madrid.")
    assert (found.events, found.organisations) == (("United Nations Climate Change Conference",), ())
    assert found.notes == (("I212", {"name": "United Nations Climate Change Conference"}),)


def test_cop_numbers_give_the_conference_year() -> None:
    from packager.analysis.events import cop_year
    assert [cop_year(n) for n in (1, 21, 25, 26, 28)] == [1995, 2015, 2019, 2021, 2023]


@pytest.mark.parametrize("caption, organisations", [
    ("Officers of the Metropolitan Police patrol Oxford Street in London.", ("Metropolitan Police",)),
    ("FC Barcelona fans celebrate in a square.", ("FC Barcelona",)),
    ("Workers assemble phones at Foxconn’s factory in Zhengzhou.", ("Foxconn",)),
    ("Shoppers queue outside Apple's flagship store in Shanghai.", ("Apple",)),
    ("Pickers at Amazon's warehouse in Dunstable.", ("Amazon",)),
    ("Students at Peking University and Tsinghua University.", ("Peking University", "Tsinghua University")),
    ("Staff of the Ministry of Defence unload boxes.", ("Ministry of Defence",)),
    ("Scientists of the Chinese Academy of Sciences at work.", ("Chinese Academy of Sciences",)),
    ("Engineers at Huawei Technologies Co Ltd test a router.", ("Huawei",)),  # the vocabulary's name wins
    ("A woman reads on an iPad on a train.", ("Apple",)),
    ("Police officers at a checkpoint.", ()),
    ("Riot Police charge protesters.", ()),
    ("Visitors at the Terracotta Army in Xi'an.", ()),
    ("A road in the West Bank.", ()),
    ("Workers leave one of China’s factories.", ()),
    ("Volunteers from a neighbourhood security committee stand guard.", ()),
    ("A street. Foxconn's factory employs 300,000 people.", ()),  # background sentence: only mentioned
])
def test_organisations_are_found_by_the_form_of_their_name(caption: str, organisations: tuple) -> None:
    assert agents(caption).organisations == organisations


def test_a_name_form_organisation_is_noted_for_checking() -> None:
    assert agents("Scientists of the Chinese Academy of Sciences at work.").notes == \
        (("I211", {"name": "Chinese Academy of Sciences"}),)


@pytest.mark.parametrize("caption, shown, mentioned", [
    ("Nobel laureate Malala Yousafzai speaks at a school in Birmingham.", ("Malala Yousafzai",), ()),
    ("The influencer Li Jiaqi livestreams from a studio.", ("Li Jiaqi",), ()),
    ("Photographer Sebastião Salgado at his exhibition in Paris.", ("Sebastião Salgado",), ()),
    ("Singer Paul McCartney performs on a stage.", ("Paul McCartney",), ()),
    ("Footballer Mesut Özil signs autographs.", ("Mesut Özil",), ()),
    ("President Ursula von der Leyen addresses delegates.", ("Ursula von der Leyen",), ()),
    ("A statue in a park in London. Queen Victoria opened the park in 1870.", (), ("Queen Victoria",)),
    ("Crowds line the Mall. King Charles III was crowned in 2023.", (), ("Charles III",)),
    ("A temple in Kyoto. Emperor Meiji moved the capital to Tokyo.", (), ("Emperor Meiji",)),
    ("Pope Francis waves to pilgrims.", ("Pope Francis",), ()),
    ("A library with books by Stephen King on display.", (), ()),
    ("Customers at a Burger King restaurant in Wuhan.", (), ()),
    ("Tourists in Saint Petersburg. Prince George is a city in Canada.", (), ()),
    ("Passengers walk to the Star Ferry Pier.", (), ()),
])
def test_persons_after_occupations_and_royal_titles(caption: str, shown: tuple, mentioned: tuple) -> None:
    found = agents(caption)
    assert (found.persons_shown, found.persons_mentioned) == (shown, mentioned)


@pytest.mark.parametrize("caption, events", [
    ("Crowds at the Qingming festival in Hangzhou.", ("Qingming Festival",)),
    ("Runners in the Beijing marathon pass Tiananmen Square.", ("Beijing Marathon",)),
    ("Dancers at the Chinese festival in Beijing.", ()),  # an adjective of nationality is not a name
    ("Dancers at the festival in Beijing.", ()),
    ("Shoppers in Beijing a week before Chinese New Year.", ()),  # the picture is not of the event
    ("Delegates arrive ahead of the 19th Party Congress in Beijing.", ()),
    ("Delegates at the 19th Party Congress in Beijing.", ("19th National Congress of the Communist Party of China",)),
])
def test_events_written_in_lower_case_or_at_another_time(caption: str, events: tuple[str, ...]) -> None:
    assert analyse(Item("a", "a.jpg", None, caption, "c", 1), CollectionInfo(identifier="x", title="x"))[0].events \
        == events


@pytest.mark.parametrize("caption, shown, mentioned", [
    ("Screenshot of a livestream in which the influencer Li Jiaqi sells lipstick.", ("Li Jiaqi",), ()),
    ("A screen on which Xi Jinping is speaking, in a Beijing subway.", ("Xi Jinping",), ()),
    ("A hall in which Xi Jinping has announced the plan.", (), ("Xi Jinping",)),  # reporting verb: not shown
    ("Guards at the gate where Xi Jinping is speaking.", (), ("Xi Jinping",)),
])
def test_a_person_in_what_a_pictured_screen_shows(caption: str, shown: tuple[str, ...],
                                                  mentioned: tuple[str, ...]) -> None:
    r = analyse(Item("a", "a.jpg", None, caption, "c", 1), CollectionInfo(identifier="x", title="x"))[0]
    assert (r.persons_shown, r.persons_mentioned) == (shown, mentioned)


@pytest.mark.parametrize("caption, organisations, shown, mentioned", [
    ("Pedestrians cross a street under cameras in Shenzhen, where Huawei has its headquarters.", (), (), ()),
    ("Megvii cameras on a street in Beijing.", ("Megvii",), (), ()),
    ("China's leader Xi Jinping attends a meeting. Pictured: a police drone over Hangzhou.", (), (), ("Xi Jinping",)),
    ("Xi Jinping has launched a campaign. Pictured: Megvii cameras in Hangzhou.", ("Megvii",), (), ("Xi Jinping",)),
])
def test_background_clauses_and_pictured_sentences(caption: str, organisations: tuple[str, ...],
                                                   shown: tuple[str, ...], mentioned: tuple[str, ...]) -> None:
    r = analyse(Item("a", "a.jpg", None, caption, "c", 1), CollectionInfo(identifier="x", title="x"))[0]
    assert (r.organisations, r.persons_shown, r.persons_mentioned) == (organisations, shown, mentioned)
