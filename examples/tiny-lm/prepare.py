"""
Data preparation, constants and evaluation for the tiny-lm example.

READ-ONLY for the agent (like karpathy's prepare.py): train.py imports the
time budget, the data loaders and evaluate_bpb() from here, so the metric is
computed the same way for every experiment.

The corpus is generated deterministically by a small English-like grammar (no
download, no licensing question). It has structure at several scales, so a
model gains from a longer context: spelling inside words, word order inside
sentences, subject/verb agreement, and a protagonist (name and pronoun) that
stays the same for a whole paragraph.

Usage:
    python3 prepare.py           # build .cache/ (idempotent, well under 2 s)
    python3 prepare.py --check   # exit 0 if prepared, else exit 1
"""

import hashlib
import json
import os
import random
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
CACHE_DIR = os.path.join(HERE, ".cache")
DATA_VERSION = 2

# ---------------------------------------------------------------------------
# Constants train.py imports (do not change: they define the experiment)
# ---------------------------------------------------------------------------

TIME_BUDGET = float(os.environ.get("TIME_BUDGET") or 300)  # training seconds (wall clock)
MAX_CONTEXT = 64          # longest context a model may use; eval targets start after it
EVAL_TOKENS = 32768       # fixed number of validation characters scored by evaluate_bpb
EVAL_BATCH = 4096         # windows per predict call during evaluation
CORPUS_CHARS = 320_000    # approximate size of the generated corpus
VAL_FRACTION = 0.12       # tail of the corpus held out for validation

# ---------------------------------------------------------------------------
# Corpus generator
# ---------------------------------------------------------------------------

NAMES = {
    "she": ["Mara", "Ilse", "Nora", "Tilda", "Wren", "Odile", "Greta", "Lena", "Ruth", "Agnes",
            "Hedda", "Signe", "Elsa", "Maud", "Vera", "Liesel", "Britta", "Johanna", "Clara", "Frida"],
    "he": ["Tomas", "Ansel", "Piet", "Hugo", "Emil", "Otto", "Bram", "Felix", "Jonah", "Karl",
           "Anton", "Gustav", "Lukas", "Matthias", "Oskar", "Rune", "Stellan", "Viktor", "Wim", "Jakob"],
}
POSSESSIVE = {"she": "her", "he": "his"}
OBJECT = {"she": "her", "he": "him"}

ADJ = ["old", "small", "quiet", "grey", "bright", "cold", "narrow", "green", "heavy", "wooden",
       "broken", "tall", "dark", "warm", "empty", "little", "silver", "crooked", "distant", "patient",
       "golden", "hollow", "gentle", "bitter", "ancient", "painted", "frozen", "restless", "yellow",
       "careful", "strange", "muddy", "sleepy", "clever", "rusty", "lonely", "famous", "hidden"]
NOUNS = [  # (singular, plural)
    ("fox", "foxes"), ("river", "rivers"), ("mill", "mills"), ("bridge", "bridges"),
    ("lantern", "lanterns"), ("window", "windows"), ("garden", "gardens"), ("boat", "boats"),
    ("child", "children"), ("horse", "horses"), ("tower", "towers"), ("letter", "letters"),
    ("stone", "stones"), ("field", "fields"), ("bird", "birds"), ("door", "doors"),
    ("market", "markets"), ("road", "roads"), ("cat", "cats"), ("tree", "trees"),
    ("village", "villages"), ("key", "keys"), ("candle", "candles"), ("wolf", "wolves"),
    ("basket", "baskets"), ("blanket", "blankets"), ("wagon", "wagons"), ("goose", "geese"),
    ("ladder", "ladders"), ("kettle", "kettles"), ("orchard", "orchards"), ("fisherman", "fishermen"),
    ("shepherd", "shepherds"), ("sheep", "sheep"), ("clock", "clocks"), ("mirror", "mirrors"),
    ("barrel", "barrels"), ("feather", "feathers"), ("knife", "knives"), ("story", "stories"),
]
PLACES = ["the mill", "the river", "the market", "the old bridge", "the forest", "the harbour",
          "the chapel", "the hill", "the village", "the orchard", "the well", "the station",
          "the bakery", "the lighthouse", "the meadow", "the inn", "the churchyard", "the quarry"]
# intransitive verbs with (3rd singular present, plural present, past)
VERBS_I = [("sleeps", "sleep", "slept"), ("waits", "wait", "waited"), ("sings", "sing", "sang"),
           ("runs", "run", "ran"), ("shines", "shine", "shone"), ("falls", "fall", "fell"),
           ("turns", "turn", "turned"), ("rests", "rest", "rested"), ("moves", "move", "moved"),
           ("trembles", "tremble", "trembled"), ("whispers", "whisper", "whispered"),
           ("glows", "glow", "glowed"), ("shivers", "shiver", "shivered"), ("hides", "hide", "hid")]
VERBS_T = ["found", "carried", "watched", "opened", "painted", "followed", "mended", "counted",
           "remembered", "lost", "noticed", "cleaned", "closed", "fed", "sold", "bought",
           "borrowed", "buried", "polished", "wrapped", "described", "forgot", "gathered", "weighed"]
MOTION = ["walked", "ran", "rode", "wandered", "hurried", "returned", "climbed", "drifted",
          "travelled", "limped", "marched", "sailed"]
PREPS = ["near", "behind", "under", "beside", "across", "beyond", "along", "inside", "above", "past"]
ADVERBS = ["slowly", "quietly", "again", "carefully", "at last", "once more", "without a word",
           "in silence", "before supper", "every winter"]
TIMES = ["In the morning", "At noon", "Before dawn", "That evening", "Late at night",
         "On the third day", "After the rain", "When the bells rang", "In early spring",
         "On Sunday", "During the storm", "At midnight"]
NUMBERS = ["two", "three", "four", "five", "six", "seven", "twelve", "twenty"]
SPEECH = ["It is late", "Come with me", "The road is long", "I have seen it before",
          "Wait here", "Nothing is lost", "We will go tomorrow", "Look at the sky",
          "Bring the lantern", "The river is rising", "Who is there", "Close the door"]
_SYL_A = ["bar", "el", "ost", "ven", "mar", "tor", "ald", "bren", "cal", "dun", "fen", "gar",
          "hal", "iv", "kel", "lin", "mor", "nor", "pel", "rav", "sil", "thal", "ul", "wes"]
_SYL_B = ["ford", "holm", "wick", "dale", "mere", "by", "stead", "wyn", "ton", "brook",
          "moor", "field", "haven", "gate", "ness", "thorp"]


def _towns(n=90, seed=7):
    """Invented town names (a fixed lexicon), most frequent first."""
    rng, out = random.Random(seed), []
    while len(out) < n:
        mid = rng.choice(["", "", "a", "e", "i", "en", "er"])
        name = (rng.choice(_SYL_A) + mid + rng.choice(_SYL_B)).capitalize()
        if name not in out:
            out.append(name)
    return out


TOWNS = _towns()
TOWN_WEIGHTS = [1.0 / (i + 1) for i in range(len(TOWNS))]  # Zipf


def _np(rng, plural=None, definite=None):
    """A noun phrase; returns (text, is_plural)."""
    sing, plur = rng.choice(NOUNS)
    if plural is None:
        plural = rng.random() < 0.35
    noun = plur if plural else sing
    adj = rng.choice(ADJ) + " " if rng.random() < 0.6 else ""
    if plural:
        det = rng.choice(["the", "the", "some", "many", rng.choice(NUMBERS)])
    else:
        if definite is None:
            definite = rng.random() < 0.6
        det = "the" if definite else ("an" if (adj or noun)[0] in "aeiou" else "a")
    return f"{det} {adj}{noun}", plural


def _cap(s):
    return s[0].upper() + s[1:]


def _sentence(rng, name, pron, town):
    """One sentence about the paragraph's protagonist (or the world around)."""
    poss, obj = POSSESSIVE[pron], OBJECT[pron]
    subj = name if rng.random() < 0.45 else pron.capitalize()
    k = rng.randrange(12)
    if k == 0:
        np_, _ = _np(rng)
        return f"{subj} {rng.choice(VERBS_T)} {np_} {rng.choice(PREPS)} {rng.choice(PLACES)}."
    if k == 1:
        return f"{subj} {rng.choice(MOTION)} to {rng.choice(PLACES)} {rng.choice(ADVERBS)}."
    if k == 2:
        np_, plural = _np(rng, definite=True)
        v = rng.choice(VERBS_I)
        return f"{_cap(np_)} {v[1] if plural else v[0]} {rng.choice(PREPS)} {rng.choice(PLACES)}."
    if k == 3:
        who = name if subj == name else pron
        return f"{rng.choice(TIMES)}, {who} {rng.choice(MOTION)} {rng.choice(PREPS)} {rng.choice(PLACES)}."
    if k == 4:
        np_, _ = _np(rng)
        return f"{subj} held {poss} {rng.choice(ADJ)} {rng.choice(NOUNS)[0]} and {rng.choice(VERBS_T)} {np_}."
    if k == 5:
        return f"\"{rng.choice(SPEECH)},\" said {name}."
    if k == 6:
        np_, plural = _np(rng)
        v = rng.choice(VERBS_I)
        be, it, verb = ("were", "they", v[1]) if plural else ("was", "it", v[0])
        return f"There {be} {np_} {rng.choice(PREPS)} {rng.choice(PLACES)}, and {it} {verb} {rng.choice(ADVERBS)}."
    if k == 7:
        np_, _ = _np(rng)
        return f"Nobody {rng.choice(VERBS_T)} {obj}, so {pron} {rng.choice(VERBS_T)} {np_}."
    if k == 8:
        other = rng.choices(TOWNS, TOWN_WEIGHTS)[0]
        return f"The road from {town} to {other} was {rng.choice(ADJ)}, and {pron} {rng.choice(MOTION)} it {rng.choice(ADVERBS)}."
    if k == 9:
        np_, _ = _np(rng, plural=True)
        return f"{rng.choice(TIMES)}, the people of {town} {rng.choice(VERBS_T)} {np_}."
    if k == 10:
        return f"{subj} {rng.choice(VERBS_T)} {poss} {rng.choice(NOUNS)[0]} and {rng.choice(MOTION)} back to {town}."
    v = rng.choice(VERBS_I)
    return f"{subj} {v[2]} for a while, and then {pron} {rng.choice(MOTION)} home."


def generate_corpus(n_chars=CORPUS_CHARS, seed=1337):
    rng = random.Random(seed)
    parts, total = [], 0
    while total < n_chars:
        pron = rng.choice(["she", "he"])
        name = rng.choice(NAMES[pron])
        town = rng.choices(TOWNS, TOWN_WEIGHTS)[0]
        sents = [f"{name} lived in {town}, near {rng.choice(PLACES)}."]
        sents += [_sentence(rng, name, pron, town) for _ in range(rng.randrange(4, 9))]
        para = " ".join(sents) + "\n\n"
        parts.append(para)
        total += len(para)
    return "".join(parts)


# ---------------------------------------------------------------------------
# Cache
# ---------------------------------------------------------------------------

def _paths():
    return {k: os.path.join(CACHE_DIR, f) for k, f in
            [("train", "train.npy"), ("val", "val.npy"), ("meta", "meta.json"), ("text", "corpus.txt")]}


def is_prepared():
    p = _paths()
    if not all(os.path.exists(p[k]) for k in ("train", "val", "meta")):
        return False
    try:
        with open(p["meta"]) as f:
            meta = json.load(f)
    except (OSError, ValueError):
        return False
    return meta.get("version") == DATA_VERSION


def prepare():
    if is_prepared():
        print(f"data already prepared in {CACHE_DIR}")
        return
    import numpy as np
    text = generate_corpus()
    assert text.isascii()
    chars = sorted(set(text))
    stoi = {c: i for i, c in enumerate(chars)}
    ids = np.array([stoi[c] for c in text], dtype=np.uint8)
    n_val = int(len(ids) * VAL_FRACTION)
    assert n_val >= MAX_CONTEXT + EVAL_TOKENS, "validation split too small"
    train, val = ids[:-n_val], ids[-n_val:]
    os.makedirs(CACHE_DIR, exist_ok=True)
    p = _paths()
    np.save(p["train"], train)
    np.save(p["val"], val)
    with open(p["text"], "w") as f:
        f.write(text)
    meta = {"version": DATA_VERSION, "vocab": chars, "train_tokens": int(len(train)),
            "val_tokens": int(len(val)), "sha256": hashlib.sha256(text.encode()).hexdigest()}
    with open(p["meta"], "w") as f:  # written last: its presence means the cache is complete
        json.dump(meta, f)
    print(f"wrote {len(train):,} train / {len(val):,} val chars, vocab {len(chars)}, to {CACHE_DIR}")


# ---------------------------------------------------------------------------
# API used by train.py
# ---------------------------------------------------------------------------

def load_meta():
    with open(_paths()["meta"]) as f:
        return json.load(f)


def load_split(split):
    """uint8 array of token ids for 'train' (train.py should use only this split)."""
    import numpy as np
    if not is_prepared():
        sys.exit("data not prepared: run python3 prepare.py")
    return np.load(_paths()[split])


def evaluate_bpb(predict_logits, context):
    """
    Bits per byte (= per character; the corpus is ASCII) on a fixed validation
    slice: the EVAL_TOKENS characters after the first MAX_CONTEXT, whatever
    context length the model uses, so runs with different contexts compare.

    predict_logits(x) gets an int64 array (N, context) of the preceding
    characters and returns logits (N, vocab_size); they are log-softmaxed here.
    """
    import numpy as np
    if not 1 <= context <= MAX_CONTEXT:
        raise ValueError(f"context must be in [1, {MAX_CONTEXT}]")
    val = load_split("val").astype(np.int64)
    vocab_size = len(load_meta()["vocab"])
    targets = np.arange(MAX_CONTEXT, MAX_CONTEXT + EVAL_TOKENS)
    total_nats = 0.0
    for s in range(0, EVAL_TOKENS, EVAL_BATCH):
        t = targets[s:s + EVAL_BATCH]
        x = val[t[:, None] - context + np.arange(context)[None, :]]
        logits = np.asarray(predict_logits(x), dtype=np.float64)
        if logits.shape != (len(t), vocab_size):
            raise ValueError(f"predict_logits returned shape {logits.shape}, expected {(len(t), vocab_size)}")
        m = logits.max(axis=1, keepdims=True)
        logp = logits - m - np.log(np.exp(logits - m).sum(axis=1, keepdims=True))
        total_nats -= logp[np.arange(len(t)), val[t]].sum()
    return float(total_nats / EVAL_TOKENS / np.log(2))


if __name__ == "__main__":
    if "--check" in sys.argv[1:]:
        if is_prepared():
            sys.exit(0)
        print("data not prepared: run python3 prepare.py")
        sys.exit(1)
    prepare()
