"""Writes tests/voice_corpus.json: transcripts and what each must become (run once by hand;
the JSON file is the corpus, this only keeps it tidy)."""

import json
from pathlib import Path

SURVEY = {
    "id": "voice", "title": "Voice corpus", "version": 1, "steps": [
        {"id": "mode", "type": "single_choice", "prompt": "How do you travel?", "options": [
            "Car", "Bus", "Train",
            {"value": "bicycle", "label": "Bicycle", "aliases": ["bike", "cycling"]},
            {"value": "walking", "label": "Walking", "aliases": ["on foot", "walk"]},
            {"value": "other", "label": "Something else", "aliases": ["other"]}]},
        {"id": "used", "type": "multi_choice", "prompt": "Which?", "min_selected": 1,
         "max_selected": 3, "options": ["Bus", "Tram", "Metro", "Train", "Ferry"]},
        {"id": "extras", "type": "multi_choice", "prompt": "Extras?", "required": False,
         "options": ["Wifi", "Coffee", {"value": "quiet", "label": "Quiet carriage"}]},
        {"id": "minutes", "type": "number", "prompt": "Minutes?", "min": 0, "max": 300,
         "integer": True},
        {"id": "weight", "type": "number", "prompt": "Kilograms?", "min": 0, "max": 500},
        {"id": "rating", "type": "scale", "prompt": "Rate", "min": 0, "max": 10},
        {"id": "agree", "type": "yes_no", "prompt": "Agree?"},
        {"id": "comment", "type": "text", "prompt": "Comment?", "max_length": 50},
        {"id": "end", "type": "end", "prompt": "Bye"},
    ],
}

NO = {"no_match": True}
INVALID = {"invalid": True}


def v(value):
    return {"value": value}


CASES = [
    # single choice: labels, values, aliases, case, accents, punctuation, filler
    ("mode", "car", v("Car")), ("mode", "Car.", v("Car")), ("mode", "CAR!", v("Car")),
    ("mode", "the car", v("Car")), ("mode", "by car", v("Car")), ("mode", "I drive my car", v("Car")),
    ("mode", "um, car", v("Car")), ("mode", "I think car", v("Car")), ("mode", "I'd say the car", v("Car")),
    ("mode", "probably the car", v("Car")), ("mode", "car please", v("Car")),
    ("mode", "bus", v("Bus")), ("mode", "the bus", v("Bus")), ("mode", "I take the bus", v("Bus")),
    ("mode", "uh the bus I guess", v("Bus")), ("mode", "Bus?", v("Bus")), ("mode", "by bus", v("Bus")),
    ("mode", "train", v("Train")), ("mode", "the train", v("Train")), ("mode", "I usually take the train", v("Train")),
    ("mode", "bicycle", v("bicycle")), ("mode", "my bike", v("bicycle")), ("mode", "by bike", v("bicycle")),
    ("mode", "cycling", v("bicycle")), ("mode", "I go cycling", v("bicycle")), ("mode", "Bicycle!", v("bicycle")),
    ("mode", "walking", v("walking")), ("mode", "on foot", v("walking")), ("mode", "I walk", v("walking")),
    ("mode", "walk", v("walking")), ("mode", "Walking, mostly", v("walking")),
    ("mode", "something else", v("other")), ("mode", "other", v("other")), ("mode", "Something élse", v("other")),
    ("mode", "um something else I think", v("other")),
    # positions and ordinals
    ("mode", "the first one", v("Car")), ("mode", "first", v("Car")), ("mode", "the second one", v("Bus")),
    ("mode", "second", v("Bus")), ("mode", "the third one", v("Train")), ("mode", "number three", v("Train")),
    ("mode", "number 4", v("bicycle")), ("mode", "option B", v("Bus")), ("mode", "option a", v("Car")),
    ("mode", "option c", v("Train")), ("mode", "the last one", v("other")), ("mode", "last", v("other")),
    ("mode", "the fifth one", v("walking")), ("mode", "number one", v("Car")), ("mode", "choice two", v("Bus")),
    ("mode", "2", v("Bus")), ("mode", "one", v("Car")), ("mode", "the sixth option", v("other")),
    # small recognition errors
    ("mode", "bicycel", v("bicycle")), ("mode", "trane", v("Train")), ("mode", "buss", v("Bus")),
    ("mode", "walkin", v("walking")), ("mode", "somethin else", v("other")), ("mode", "bicycles", v("bicycle")),
    # no match and ambiguity: asking again beats a wrong guess
    ("mode", "the bus or the train", NO), ("mode", "bus and train", NO), ("mode", "car or bike", NO),
    ("mode", "plane", NO), ("mode", "I fly", NO), ("mode", "", NO), ("mode", "um", NO),
    ("mode", "number nine", NO), ("mode", "the seventh one", NO), ("mode", "option z", NO),
    ("mode", "banana", NO), ("mode", "tram", NO), ("mode", "boat", NO), ("mode", "b", NO),
    ("mode", "I don't know", NO), ("mode", "ca", NO),
    # multi choice
    ("used", "bus", v(["Bus"])), ("used", "bus and metro", v(["Bus", "Metro"])),
    ("used", "the bus and the metro", v(["Bus", "Metro"])), ("used", "metro and bus", v(["Bus", "Metro"])),
    ("used", "bus, tram and ferry", v(["Bus", "Tram", "Ferry"])), ("used", "tram plus train", v(["Tram", "Train"])),
    ("used", "bus and also the ferry", v(["Bus", "Ferry"])), ("used", "I take the tram and the train", v(["Tram", "Train"])),
    ("used", "um metro I think", v(["Metro"])), ("used", "the first and the third", v(["Bus", "Metro"])),
    ("used", "the first one and the last one", v(["Bus", "Ferry"])), ("used", "number two and number four", v(["Tram", "Train"])),
    ("used", "Bus & Tram", v(["Bus", "Tram"])), ("used", "bus and bus", v(["Bus"])),
    ("used", "trane and buss", v(["Bus", "Train"])), ("used", "ferry, metro", v(["Metro", "Ferry"])),
    ("used", "metro as well as train", v(["Metro", "Train"])), ("used", "tram or metro", v(["Tram", "Metro"])),
    ("used", "all of them", INVALID), ("used", "all", INVALID), ("used", "everything", INVALID),
    ("used", "none", INVALID), ("used", "none of them", INVALID), ("used", "nothing", INVALID),
    ("used", "bus tram metro and train", INVALID), ("used", "bus, tram, metro, train", INVALID),
    ("used", "bus and plane", NO), ("used", "helicopter", NO), ("used", "the tenth one", NO),
    ("used", "", NO), ("used", "bus and something", NO),
    ("extras", "wifi", v(["Wifi"])), ("extras", "wi-fi", v(["Wifi"])), ("extras", "coffee and wifi", v(["Wifi", "Coffee"])),
    ("extras", "a quiet carriage", v(["quiet"])), ("extras", "all of them", v(["Wifi", "Coffee", "quiet"])),
    ("extras", "everything", v(["Wifi", "Coffee", "quiet"])), ("extras", "none", v([])),
    ("extras", "none of them", v([])), ("extras", "nothing", v([])), ("extras", "the quiet carriage and coffee", v(["Coffee", "quiet"])),
    ("extras", "coffee please", v(["Coffee"])), ("extras", "tea", NO), ("extras", "cofee", v(["Coffee"])),
    # numbers
    ("minutes", "30", v(30)), ("minutes", "thirty", v(30)), ("minutes", "about 30 minutes", v(30)),
    ("minutes", "about thirty minutes", v(30)), ("minutes", "forty five", v(45)), ("minutes", "forty-five", v(45)),
    ("minutes", "twenty-one", v(21)), ("minutes", "twenty one minutes", v(21)), ("minutes", "a hundred and five", v(105)),
    ("minutes", "one hundred and five", v(105)), ("minutes", "a hundred", v(100)), ("minutes", "zero", v(0)),
    ("minutes", "none", v(0)), ("minutes", "five", v(5)), ("minutes", "one", v(1)), ("minutes", "two", v(2)),
    ("minutes", "ten minutes", v(10)), ("minutes", "roughly twenty", v(20)), ("minutes", "um, fifteen I think", v(15)),
    ("minutes", "I'd say 25", v(25)), ("minutes", "around 90 minutes", v(90)), ("minutes", "two hundred", v(200)),
    ("minutes", "it takes me about forty minutes", v(40)), ("minutes", "sixty", v(60)), ("minutes", "seventy five", v(75)),
    ("minutes", "twelve", v(12)), ("minutes", "eleven", v(11)), ("minutes", "nineteen", v(19)),
    ("minutes", "three hundred", v(300)), ("minutes", "four hundred", INVALID), ("minutes", "minus five", INVALID),
    ("minutes", "2.5", INVALID), ("minutes", "two point five", INVALID), ("minutes", "twenty or thirty", NO),
    ("minutes", "between 20 and 30", NO), ("minutes", "a long time", NO), ("minutes", "I don't know", NO),
    ("minutes", "", NO), ("minutes", "lots", NO), ("minutes", "1000", INVALID),
    ("weight", "seventy two point five", v(72.5)), ("weight", "72.5", v(72.5)), ("weight", "80", v(80)),
    ("weight", "about eighty kilos", v(80)), ("weight", "sixty", v(60)), ("weight", "72,5", v(72.5)),
    ("weight", "six hundred", INVALID), ("weight", "heavy", NO),
    # scales
    ("rating", "seven", v(7)), ("rating", "7", v(7)), ("rating", "seven out of ten", v(7)),
    ("rating", "7 out of 10", v(7)), ("rating", "I'd say eight", v(8)), ("rating", "ten", v(10)),
    ("rating", "zero", v(0)), ("rating", "a solid nine", v(9)), ("rating", "probably six", v(6)),
    ("rating", "five out of ten", v(5)), ("rating", "eleven", INVALID), ("rating", "twelve out of ten", INVALID),
    ("rating", "6.5", INVALID), ("rating", "good", NO), ("rating", "seven or eight", NO), ("rating", "", NO),
    ("rating", "one", v(1)), ("rating", "three", v(3)), ("rating", "um four", v(4)), ("rating", "2", v(2)),
    # yes / no
    ("agree", "yes", v(True)), ("agree", "Yes.", v(True)), ("agree", "yeah", v(True)), ("agree", "yep", v(True)),
    ("agree", "sure", v(True)), ("agree", "of course", v(True)), ("agree", "yes please", v(True)),
    ("agree", "yeah sure", v(True)), ("agree", "absolutely", v(True)), ("agree", "definitely", v(True)),
    ("agree", "okay", v(True)), ("agree", "I think so", v(True)), ("agree", "I do", v(True)),
    ("agree", "yes I would", v(True)), ("agree", "correct", v(True)), ("agree", "uh yes", v(True)),
    ("agree", "no", v(False)), ("agree", "No.", v(False)), ("agree", "nope", v(False)), ("agree", "nah", v(False)),
    ("agree", "not really", v(False)), ("agree", "I don't think so", v(False)), ("agree", "no thanks", v(False)),
    ("agree", "never", v(False)), ("agree", "not at all", v(False)), ("agree", "of course not", v(False)),
    ("agree", "no, yes", v(False)), ("agree", "no, yeah, I mean no", v(False)), ("agree", "yes, not really", v(False)),
    ("agree", "I wouldn't", v(False)), ("agree", "no way", v(False)), ("agree", "um no", v(False)),
    ("agree", "maybe", NO), ("agree", "not sure", NO), ("agree", "I don't know", NO), ("agree", "dunno", NO),
    ("agree", "banana", NO), ("agree", "", NO), ("agree", "perhaps", NO), ("agree", "no idea", NO),
    # text
    ("comment", "  More buses, please.  ", v("More buses, please.")), ("comment", "ok", v("ok")),
    ("comment", "Café au lait", v("Café au lait")), ("comment", "x" * 51, INVALID), ("comment", "   ", INVALID),
]

if __name__ == "__main__":
    path = Path(__file__).with_name("voice_corpus.json")
    cases = [{"step": s, "transcript": t, **e} for s, t, e in CASES]
    path.write_text(json.dumps({"survey": SURVEY, "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(len(cases), "cases written to", path)
