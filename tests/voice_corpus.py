"""Writes tests/voice_corpus.json: transcripts and what each must become (run once by hand;
the JSON file is the corpus, this only keeps it tidy)."""

import json
from pathlib import Path

ENGLISH = {
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
        {"id": "when", "type": "single_choice", "prompt": "When?",
         "options": ["Morning", "Afternoon", "Evening"]},
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
    ("agree", "no, yes", NO), ("agree", "no, yeah, I mean no", v(False)), ("agree", "yes, not really", v(False)),
    ("agree", "I wouldn't", v(False)), ("agree", "no way", v(False)), ("agree", "um no", v(False)),
    ("agree", "maybe", NO), ("agree", "not sure", NO), ("agree", "I don't know", NO), ("agree", "dunno", NO),
    ("agree", "banana", NO), ("agree", "", NO), ("agree", "perhaps", NO), ("agree", "no idea", NO),
    # text
    ("comment", "  More buses, please.  ", v("More buses, please.")), ("comment", "ok", v("ok")),
    ("comment", "Café au lait", v("Café au lait")), ("comment", "x" * 51, INVALID), ("comment", "   ", INVALID),
]

def option(value, label, *aliases):
    return {"value": value, "label": label, "aliases": list(aliases)}


def translated(prompts, mode, used, extras, when):
    """The English survey's steps and values, with labels, aliases and prompts in another
    language: the value a transcript must become is the same in every language."""
    minutes, weight = prompts
    return {"id": "voice", "title": "Voice corpus", "version": 1, "steps": [
        {"id": "mode", "type": "single_choice", "prompt": "?", "options": mode},
        {"id": "used", "type": "multi_choice", "prompt": "?", "min_selected": 1,
         "max_selected": 3, "options": used},
        {"id": "extras", "type": "multi_choice", "prompt": "?", "required": False,
         "options": extras},
        {"id": "when", "type": "single_choice", "prompt": "?", "options": when},
        {"id": "minutes", "type": "number", "prompt": minutes, "min": 0, "max": 300,
         "integer": True},
        {"id": "weight", "type": "number", "prompt": weight, "min": 0, "max": 500},
        {"id": "rating", "type": "scale", "prompt": "?", "min": 0, "max": 10},
        {"id": "agree", "type": "yes_no", "prompt": "?"},
        {"id": "comment", "type": "text", "prompt": "?", "max_length": 50},
        {"id": "end", "type": "end", "prompt": "."},
    ]}


FRENCH = translated(
    ("Combien de minutes ?", "Combien de kilos ?"),
    [option("Car", "Voiture", "auto", "bagnole"), option("Bus", "Bus", "autobus"),
     option("Train", "Train"), option("bicycle", "Vélo", "bicyclette"),
     option("walking", "À pied", "marche", "je marche"),
     option("other", "Autre chose", "autre")],
    [option("Bus", "Bus"), option("Tram", "Tramway", "tram"), option("Metro", "Métro"),
     option("Train", "Train"), option("Ferry", "Ferry", "bateau")],
    [option("Wifi", "Wifi", "wi-fi", "internet"), option("Coffee", "Café"),
     option("quiet", "Voiture calme", "voiture silencieuse")],
    [option("Morning", "Matin"), option("Afternoon", "Après-midi"), option("Evening", "Soir")],
)

GERMAN = translated(
    ("Wie viele Minuten?", "Wie viele Kilogramm?"),
    [option("Car", "Auto", "Wagen", "PKW"), option("Bus", "Bus"), option("Train", "Zug", "Bahn"),
     option("bicycle", "Fahrrad", "Rad", "Velo"), option("walking", "Zu Fuß", "laufen", "gehen"),
     option("other", "Etwas anderes", "anderes", "sonstiges")],
    [option("Bus", "Bus"), option("Tram", "Straßenbahn", "Tram"), option("Metro", "U-Bahn"),
     option("Train", "Zug"), option("Ferry", "Fähre")],
    [option("Wifi", "WLAN", "WiFi"), option("Coffee", "Kaffee"),
     option("quiet", "Ruhebereich", "Ruhewagen", "Ruhezone")],
    [option("Morning", "Morgens", "Morgen", "vormittags"),
     option("Afternoon", "Nachmittags", "Nachmittag"), option("Evening", "Abends", "Abend")],
)

SPANISH = translated(
    ("¿Cuántos minutos?", "¿Cuántos kilos?"),
    [option("Car", "Coche", "carro", "auto"), option("Bus", "Autobús", "bus"),
     option("Train", "Tren"), option("bicycle", "Bicicleta", "bici"),
     option("walking", "A pie", "andando", "caminando"), option("other", "Otra cosa", "otro")],
    [option("Bus", "Autobús", "bus"), option("Tram", "Tranvía"), option("Metro", "Metro"),
     option("Train", "Tren"), option("Ferry", "Ferry", "barco")],
    [option("Wifi", "Wifi"), option("Coffee", "Café"),
     option("quiet", "Vagón silencioso", "vagón tranquilo")],
    [option("Morning", "Mañana", "por la mañana"), option("Afternoon", "Tarde", "por la tarde"),
     option("Evening", "Noche", "por la noche")],
)

BUS_TRAM_METRO = ["Bus", "Tram", "Metro"]

# Said as people answer, with what each must become; a wrong guess is stored as the
# respondent's answer, so where a person would have to ask, the answer is no_match.
MORE_ENGLISH = [
    # refusals: a negated option is never the answer
    ("mode", "not the bus", NO), ("mode", "not the car", NO), ("mode", "definitely not the car", NO),
    ("mode", "anything but the bus", NO), ("mode", "I don't take the bus", NO), ("mode", "not by car", NO),
    ("mode", "not the bus but the train", v("Train")), ("mode", "the train, not the bus", v("Train")),
    ("mode", "all except the car", NO), ("mode", "bus or train, I'm not sure", NO),
    # corrections: the last one wins
    ("mode", "the bus, no sorry, the train", v("Train")), ("mode", "the bus, no, the train", v("Train")),
    ("mode", "car, sorry, I mean the bus", v("Bus")), ("mode", "train, actually no, bike", v("bicycle")),
    ("mode", "walking, wait, no, cycling", v("bicycle")), ("mode", "the train, or rather the bus", v("Bus")),
    ("mode", "the bus no the train", NO),
    # positions
    ("mode", "option number four", v("bicycle")), ("mode", "option number two", v("Bus")),
    ("mode", "number 6", v("other")), ("mode", "the second to last one", v("walking")),
    ("mode", "the one in the middle", NO),
    ("when", "the one in the middle", v("Afternoon")), ("when", "the middle one", v("Afternoon")),
    ("when", "middle", v("Afternoon")), ("when", "in the afternoon", v("Afternoon")),
    ("when", "in the evening", v("Evening")), ("when", "mornings", v("Morning")),
    ("when", "not the morning", NO), ("when", "morning, no, evening", v("Evening")),
    ("when", "evening, sorry, afternoon", v("Afternoon")), ("when", "the last one", v("Evening")),
    ("when", "the first one", v("Morning")), ("when", "any time except the morning", NO),
    # exclusions and refusals in a multiple choice
    ("used", "all except the ferry", INVALID),
    ("used", "everything except the ferry and the tram", v(["Bus", "Metro", "Train"])),
    ("used", "all but the bus and the train", v(["Tram", "Metro", "Ferry"])),
    ("used", "bus and tram but not the ferry", v(["Bus", "Tram"])), ("used", "not the ferry", NO),
    ("used", "the tram, the metro, no sorry, just the metro", v(["Metro"])),
    ("used", "bus and train, oh and the ferry", v(["Bus", "Train", "Ferry"])),
    ("used", "the metro but not the tram", v(["Metro"])),
    ("used", "tram and metro, not the bus", v(["Tram", "Metro"])),
    ("used", "option number one and option number three", v(["Bus", "Metro"])),
    ("used", "bus/tram", v(["Bus", "Tram"])), ("used", "neither the tram nor the metro", NO),
    ("extras", "everything except coffee", v(["Wifi", "quiet"])),
    ("extras", "all apart from the wifi", v(["Coffee", "quiet"])),
    ("extras", "all of them but the quiet carriage", v(["Wifi", "Coffee"])),
    ("extras", "nothing, thanks", v([])), ("extras", "the one in the middle", v(["Coffee"])),
    ("extras", "no coffee", NO), ("extras", "wifi, no coffee", NO),
    # vague quantities, fractions, units
    ("minutes", "forty-something", NO), ("minutes", "forty something minutes", NO),
    ("minutes", "fortyish", NO), ("minutes", "forty-ish", NO), ("minutes", "three and a half", INVALID),
    ("minutes", "two and a half minutes", INVALID), ("minutes", "more than an hour", NO),
    ("minutes", "over sixty", NO), ("minutes", "at least twenty", NO),
    ("minutes", "a couple of minutes", NO), ("minutes", "a few minutes", NO),
    ("minutes", "not forty, fifty", NO), ("minutes", "thirty, no, forty", v(40)),
    ("minutes", "twenty five, sorry, thirty five", v(35)), ("minutes", "one hour", NO),
    ("minutes", "an hour", NO), ("minutes", "half an hour", NO), ("minutes", "ninety minutes", v(90)),
    ("minutes", "about 45 minutes or so", v(45)), ("minutes", "twenty minutes give or take", v(20)),
    ("minutes", "less than ten", NO), ("minutes", "under five minutes", NO), ("minutes", "dozens", NO),
    ("minutes", "hundreds of minutes", NO), ("minutes", "10 to 15", NO),
    ("minutes", "between ten and fifteen", NO), ("minutes", "it depends, twenty or thirty", NO),
    ("minutes", "5 minutes tops", NO), ("minutes", "zero, I work from home", v(0)),
    ("minutes", "a dozen", NO), ("minutes", "one dozen", NO),
    ("weight", "seventy two and a half", v(72.5)), ("weight", "seventy and a half kilos", v(70.5)),
    ("weight", "eighty-something", NO), ("weight", "150 pounds", NO),
    ("weight", "about seventy kilos", v(70)), ("weight", "sixty five, no, sixty six", v(66)),
    ("rating", "seven/10", v(7)), ("rating", "7/10", v(7)), ("rating", "eight out of 10", v(8)),
    ("rating", "four out of five", NO), ("rating", "nine and a half", INVALID),
    ("rating", "a seven, maybe an eight", NO), ("rating", "six, no, seven", v(7)),
    ("rating", "ten out of ten", v(10)), ("rating", "eleven out of ten", INVALID),
    ("rating", "not a ten", NO), ("rating", "seven-ish", NO), ("rating", "at least an eight", NO),
    # idioms of agreement and refusal, hedges
    ("agree", "oh go on then, why not", v(True)), ("agree", "sort of yes, sort of no", NO),
    ("agree", "why not", v(True)), ("agree", "yes and no", NO), ("agree", "I don't see why not", v(True)),
    ("agree", "no problem", v(True)), ("agree", "absolutely not", v(False)),
    ("agree", "not a chance", v(False)), ("agree", "I'd rather not", v(False)), ("agree", "kind of", NO),
    ("agree", "it depends", NO), ("agree", "yes, sorry, no", v(False)),
    ("agree", "no, sorry, I mean yes", v(True)), ("agree", "I wouldn't say no", v(True)),
    ("agree", "go for it", v(True)), ("agree", "I don't mind", NO), ("agree", "you bet", v(True)),
    ("agree", "I'm afraid not", v(False)), ("agree", "not really, no", v(False)),
    ("agree", "hmm, I guess so", v(True)), ("agree", "yeah nah", v(False)), ("agree", "no, sorry", v(False)),
]

MORE_FRENCH = [
    ("mode", "en voiture", v("Car")), ("mode", "la voiture", v("Car")), ("mode", "en bus", v("Bus")),
    ("mode", "je prends le train", v("Train")), ("mode", "à vélo", v("bicycle")),
    ("mode", "en vélo", v("bicycle")), ("mode", "à pied", v("walking")), ("mode", "je marche", v("walking")),
    ("mode", "autre chose", v("other")), ("mode", "euh, le bus je pense", v("Bus")),
    ("mode", "pas le bus", NO), ("mode", "pas en voiture", NO), ("mode", "je ne prends jamais la voiture", NO),
    ("mode", "le bus, non pardon, le train", v("Train")), ("mode", "le bus, enfin non, le train", v("Train")),
    ("mode", "pas le bus mais le train", v("Train")),
    ("mode", "la deuxième", v("Bus")), ("mode", "le premier", v("Car")),
    ("mode", "option numéro quatre", v("bicycle")), ("mode", "la dernière", v("other")),
    ("mode", "l'avant-dernière", v("walking")), ("mode", "celle du milieu", NO),
    ("mode", "le bus ou le train", NO), ("mode", "je ne sais pas", NO), ("mode", "tout sauf la voiture", NO),
    ("when", "le matin", v("Morning")), ("when", "l'après-midi", v("Afternoon")), ("when", "le soir", v("Evening")),
    ("when", "celui du milieu", v("Afternoon")), ("when", "au milieu", v("Afternoon")),
    ("when", "pas le matin", NO), ("when", "le matin, non, le soir", v("Evening")),
    ("when", "le dernier", v("Evening")),
    ("used", "le bus et le métro", v(["Bus", "Metro"])), ("used", "tram et train", v(["Tram", "Train"])),
    ("used", "tout sauf le ferry", INVALID), ("used", "tout sauf le bus et le train", v(["Tram", "Metro", "Ferry"])),
    ("used", "le bus mais pas le tram", v(["Bus"])), ("used", "pas le ferry", NO),
    ("used", "le métro, le tramway et le bateau", v(["Tram", "Metro", "Ferry"])), ("used", "aucun", INVALID),
    ("extras", "tout sauf le café", v(["Wifi", "quiet"])), ("extras", "rien", v([])),
    ("extras", "le wifi et le café", v(["Wifi", "Coffee"])), ("extras", "tout", v(["Wifi", "Coffee", "quiet"])),
    ("minutes", "quarante-cinq", v(45)), ("minutes", "une demi-heure", NO), ("minutes", "trente minutes", v(30)),
    ("minutes", "environ vingt minutes", v(20)), ("minutes", "quarante et quelques", NO),
    ("minutes", "trois et demi", INVALID), ("minutes", "plus d'une heure", NO), ("minutes", "une heure", NO),
    ("minutes", "trente, non, quarante", v(40)), ("minutes", "vingt-cinq, pardon, trente-cinq", v(35)),
    ("minutes", "entre dix et quinze", NO), ("minutes", "quatre-vingt-dix", v(90)),
    ("minutes", "soixante-dix minutes", v(70)), ("minutes", "cent cinq", v(105)), ("minutes", "zéro", v(0)),
    ("minutes", "au moins vingt", NO), ("minutes", "une quinzaine de minutes", NO),
    ("minutes", "pas quarante", NO),
    ("weight", "soixante-douze virgule cinq", v(72.5)), ("weight", "soixante-douze et demi", v(72.5)),
    ("weight", "quatre-vingts kilos", v(80)),
    ("rating", "sept sur dix", v(7)), ("rating", "7/10", v(7)), ("rating", "huit", v(8)),
    ("rating", "quatre sur cinq", NO), ("rating", "sept ou huit", NO), ("rating", "six et demi", INVALID),
    ("agree", "oui", v(True)), ("agree", "ouais, pourquoi pas", v(True)), ("agree", "bien sûr", v(True)),
    ("agree", "non", v(False)), ("agree", "pas du tout", v(False)), ("agree", "je ne sais pas", NO),
    ("agree", "oui et non", NO), ("agree", "bof", NO), ("agree", "non merci", v(False)),
    ("agree", "allez, pourquoi pas", v(True)), ("agree", "je ne pense pas", v(False)),
    ("agree", "ça dépend", NO), ("agree", "carrément", v(True)), ("agree", "pas vraiment", v(False)),
    ("agree", "non, pardon, oui", v(True)), ("agree", "je ne dis pas non", v(True)),
    ("agree", "je ne suis pas d'accord", v(False)), ("agree", "d'accord", v(True)),
]

MORE_GERMAN = [
    ("mode", "mit dem Auto", v("Car")), ("mode", "Auto", v("Car")), ("mode", "mit dem Bus", v("Bus")),
    ("mode", "mit der Bahn", v("Train")), ("mode", "ich fahre Fahrrad", v("bicycle")),
    ("mode", "mit dem Rad", v("bicycle")), ("mode", "zu Fuß", v("walking")), ("mode", "ich laufe", v("walking")),
    ("mode", "nicht mit dem Auto", NO), ("mode", "kein Auto", NO),
    ("mode", "der Bus, nein Quatsch, der Zug", v("Train")), ("mode", "Bus, äh nein, Zug", v("Train")),
    ("mode", "nicht der Bus, sondern der Zug", v("Train")), ("mode", "die zweite", v("Bus")),
    ("mode", "der erste", v("Car")), ("mode", "Option Nummer vier", v("bicycle")),
    ("mode", "die letzte", v("other")), ("mode", "die vorletzte", v("walking")),
    ("mode", "die in der Mitte", NO), ("mode", "Bus oder Zug", NO), ("mode", "weiß nicht", NO),
    ("mode", "etwas anderes", v("other")), ("mode", "alles außer Auto", NO),
    ("when", "morgens", v("Morning")), ("when", "am Nachmittag", v("Afternoon")), ("when", "abends", v("Evening")),
    ("when", "die mittlere", v("Afternoon")), ("when", "in der Mitte", v("Afternoon")),
    ("when", "nicht morgens", NO), ("when", "morgens, nein, abends", v("Evening")),
    ("used", "Bus und U-Bahn", v(["Bus", "Metro"])), ("used", "Straßenbahn und Zug", v(["Tram", "Train"])),
    ("used", "alle außer der Fähre", INVALID), ("used", "alles außer Bus und Zug", v(["Tram", "Metro", "Ferry"])),
    ("used", "Bus, aber nicht die Straßenbahn", v(["Bus"])), ("used", "keine Fähre", NO),
    ("extras", "alles außer Kaffee", v(["Wifi", "quiet"])), ("extras", "nichts", v([])),
    ("extras", "WLAN und Kaffee", v(["Wifi", "Coffee"])),
    ("minutes", "fünfundvierzig", v(45)), ("minutes", "fünfundvierzig Minuten", v(45)),
    ("minutes", "so um die zwanzig Minuten", v(20)), ("minutes", "vierzig-irgendwas", NO),
    ("minutes", "dreieinhalb", NO), ("minutes", "drei komma fünf", INVALID),
    ("minutes", "mehr als eine Stunde", NO), ("minutes", "eine Stunde", NO),
    ("minutes", "eine halbe Stunde", NO), ("minutes", "dreißig, nein, vierzig", v(40)),
    ("minutes", "zwanzig, ich meine dreißig", v(30)), ("minutes", "ein paar Minuten", NO),
    ("minutes", "zehn bis fünfzehn", NO), ("minutes", "neunzig", v(90)), ("minutes", "hundertfünf", v(105)),
    ("minutes", "null", v(0)), ("minutes", "mindestens zwanzig", NO), ("minutes", "ungefähr zwanzig", v(20)),
    ("minutes", "nicht vierzig", NO),
    ("weight", "zweiundsiebzig komma fünf", v(72.5)), ("weight", "achtzig Kilo", v(80)),
    ("weight", "zweiundsiebzig einhalb", v(72.5)),
    ("rating", "sieben von zehn", v(7)), ("rating", "7/10", v(7)), ("rating", "acht", v(8)),
    ("rating", "vier von fünf", NO), ("rating", "sieben oder acht", NO),
    ("agree", "ja", v(True)), ("agree", "ja klar", v(True)), ("agree", "na klar, warum nicht", v(True)),
    ("agree", "nein", v(False)), ("agree", "eher nicht", v(False)), ("agree", "jein", NO),
    ("agree", "weiß nicht", NO), ("agree", "auf keinen Fall", v(False)), ("agree", "klar doch", v(True)),
    ("agree", "nicht wirklich", v(False)), ("agree", "kommt drauf an", NO), ("agree", "ja und nein", NO),
    ("agree", "doch", v(True)), ("agree", "nein danke", v(False)), ("agree", "ich glaube schon", v(True)),
    ("agree", "ich glaube nicht", v(False)),
]

MORE_SPANISH = [
    ("mode", "en coche", v("Car")), ("mode", "el coche", v("Car")), ("mode", "en autobús", v("Bus")),
    ("mode", "en bus", v("Bus")), ("mode", "en tren", v("Train")), ("mode", "en bici", v("bicycle")),
    ("mode", "a pie", v("walking")), ("mode", "andando", v("walking")), ("mode", "otra cosa", v("other")),
    ("mode", "no en coche", NO), ("mode", "el autobús, no perdón, el tren", v("Train")),
    ("mode", "el coche, digo, el tren", v("Train")), ("mode", "no el autobús sino el tren", v("Train")),
    ("mode", "la segunda", v("Bus")), ("mode", "la primera", v("Car")),
    ("mode", "la opción número cuatro", v("bicycle")), ("mode", "la última", v("other")),
    ("mode", "la penúltima", v("walking")), ("mode", "el del medio", NO), ("mode", "coche o tren", NO),
    ("mode", "no sé", NO), ("mode", "todos menos el coche", NO),
    ("when", "por la mañana", v("Morning")), ("when", "por la tarde", v("Afternoon")),
    ("when", "la del medio", v("Afternoon")), ("when", "por la noche", v("Evening")),
    ("when", "no por la mañana", NO), ("when", "por la mañana, no, por la tarde", v("Afternoon")),
    ("used", "autobús y metro", v(["Bus", "Metro"])), ("used", "el tranvía y el tren", v(["Tram", "Train"])),
    ("used", "todos menos el ferry", INVALID),
    ("used", "todos menos el autobús y el tren", v(["Tram", "Metro", "Ferry"])),
    ("used", "el metro pero no el tranvía", v(["Metro"])), ("used", "ni el tranvía ni el metro", NO),
    ("extras", "todo menos el café", v(["Wifi", "quiet"])), ("extras", "nada", v([])),
    ("extras", "wifi y café", v(["Wifi", "Coffee"])),
    ("minutes", "cuarenta y cinco", v(45)), ("minutes", "cuarenta y cinco minutos", v(45)),
    ("minutes", "unos veinte minutos", v(20)), ("minutes", "cuarenta y pico", NO),
    ("minutes", "tres y medio", INVALID), ("minutes", "más de una hora", NO), ("minutes", "una hora", NO),
    ("minutes", "media hora", NO), ("minutes", "treinta, no, cuarenta", v(40)),
    ("minutes", "veinte, perdón, treinta", v(30)), ("minutes", "unos cuantos minutos", NO),
    ("minutes", "entre diez y quince", NO), ("minutes", "noventa", v(90)), ("minutes", "ciento cinco", v(105)),
    ("minutes", "cero", v(0)), ("minutes", "por lo menos veinte", NO), ("minutes", "más o menos treinta", v(30)),
    ("minutes", "treinta y un minutos", v(31)), ("minutes", "una docena", NO),
    ("weight", "setenta y dos coma cinco", v(72.5)), ("weight", "setenta y dos y medio", v(72.5)),
    ("weight", "ochenta kilos", v(80)),
    ("rating", "siete de diez", v(7)), ("rating", "7/10", v(7)), ("rating", "ocho", v(8)),
    ("rating", "cuatro de cinco", NO), ("rating", "siete u ocho", NO),
    ("agree", "sí", v(True)), ("agree", "sí, claro", v(True)), ("agree", "vale, ¿por qué no?", v(True)),
    ("agree", "no", v(False)), ("agree", "para nada", v(False)), ("agree", "no sé", NO),
    ("agree", "sí y no", NO), ("agree", "más o menos", NO), ("agree", "claro que no", v(False)),
    ("agree", "¡cómo no!", v(True)), ("agree", "depende", NO), ("agree", "ni hablar", v(False)),
    ("agree", "no, perdón, sí", v(True)), ("agree", "creo que sí", v(True)), ("agree", "creo que no", v(False)),
    ("agree", "de acuerdo", v(True)),
]

SURVEYS = {"en": ENGLISH, "fr": FRENCH, "de": GERMAN, "es": SPANISH}
BY_LANGUAGE = {"en": CASES + MORE_ENGLISH, "fr": MORE_FRENCH, "de": MORE_GERMAN, "es": MORE_SPANISH}

if __name__ == "__main__":
    path = Path(__file__).with_name("voice_corpus.json")
    cases = [{"language": language, "step": s, "transcript": t, **e}
             for language, language_cases in BY_LANGUAGE.items() for s, t, e in language_cases]
    path.write_text(json.dumps({"surveys": SURVEYS, "cases": cases}, indent=1, ensure_ascii=False) + "\n")
    print(len(cases), "cases written to", path)
