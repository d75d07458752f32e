"""Label vocabularies and FACS prototypes shared by every SynthFace module.

Everything here is plain Python data: importing it pulls in nothing heavier
than the standard library. The parsing vocabulary and EMPD's ESGM groups are
defined once in :mod:`mmfer.structures.parsing` (shared with the models).
"""
from mmfer.structures.parsing import EXPRESSION_GROUPS
from mmfer.structures.parsing import \
    SYNTHFACE_PARSING_CLASSES as PARSING_CLASSES

#: Version of the generator; stored in every ``meta.json`` so a change of the
#: renderer invalidates cached datasets.
SYNTHFACE_VERSION = '1.1.0'

#: FACS action units whose geometry the renderer drives, in label order.
AU_IDS = (1, 2, 4, 5, 6, 7, 9, 10, 12, 14, 15, 17, 20, 23, 24, 25, 26)
#: ``'AU<k>'`` names in the same order as :data:`AU_IDS`.
AU_NAMES = tuple(f'AU{k}' for k in AU_IDS)
#: AU number -> position in :data:`AU_IDS`.
AU_INDEX = {au: i for i, au in enumerate(AU_IDS)}
NUM_AUS = len(AU_IDS)
#: An AU *occurs* when its intensity is at least this value (FACS "A" level
#: is ~1 on the 0-5 scale).  Used by every layout writer.
AU_OCCURRENCE_THRESHOLD = 1.0

#: The 7 basic expressions, in label order (``gt_label`` indexes this tuple).
EXPRESSIONS = ('anger', 'disgust', 'fear', 'happiness', 'sadness',
               'surprise', 'neutral')
#: The 7 basic expressions plus MAFW's 4 compound ones.
EXTENDED_EXPRESSIONS = EXPRESSIONS + ('contempt', 'anxiety', 'helplessness',
                                      'disappointment')

#: EMFACS-style prototypes: ``core`` AUs are always present (scaled by the
#: sample's intensity), ``optional`` ones are dropped with probability 1/2.
#: Intensities are apex values on the 0-5 scale.
EXPRESSION_PROTOTYPES = {
    'anger': dict(core={4: 3.5, 5: 2.0, 7: 3.0, 23: 3.0},
                  optional={24: 2.5, 17: 2.0}),
    'disgust': dict(core={9: 3.5, 10: 3.0, 15: 2.0},
                    optional={17: 2.0, 4: 1.5}),
    'fear': dict(core={1: 3.0, 2: 2.5, 4: 2.5, 5: 3.5, 7: 2.0, 20: 3.0,
                       26: 2.5},
                 optional={25: 2.0}),
    'happiness': dict(core={6: 3.0, 12: 3.5}, optional={25: 2.0}),
    'sadness': dict(core={1: 3.0, 4: 2.5, 15: 3.0}, optional={17: 2.0}),
    'surprise': dict(core={1: 3.5, 2: 3.5, 5: 3.0, 26: 3.5},
                     optional={25: 2.5}),
    'neutral': dict(core={}, optional={}),
    # MAFW compound classes.  Contempt is unilateral in FACS (R12/R14); the
    # renderer is symmetric, so it is AU14 with a weak AU12.
    'contempt': dict(core={14: 3.0, 12: 1.2}, optional={}),
    'anxiety': dict(core={1: 1.8, 2: 1.5, 4: 1.5, 20: 1.8},
                    optional={7: 1.0}),
    'helplessness': dict(core={1: 2.5, 4: 2.0, 15: 2.5}, optional={17: 1.5}),
    'disappointment': dict(core={15: 2.5, 17: 2.5, 4: 1.3}, optional={}),
    # BP4D task emotions that are not basic expressions (T4, T6). A
    # controlled, embarrassed smile presses and tightens the lips while
    # smiling (Keltner 1995); pain is the Prkachin-Solomon set (4, 6/7,
    # 9/10) plus lip stretch.
    'embarrassment': dict(core={6: 2.0, 12: 2.5, 14: 2.5, 24: 2.5},
                          optional={17: 1.5}),
    'pain': dict(core={4: 3.0, 6: 2.5, 7: 3.0, 9: 2.0, 10: 2.5},
                 optional={20: 2.0, 25: 1.5}),
}

#: Expressions usable as BP4D task episodes (besides the extended ones).
TASK_EXPRESSIONS = ('embarrassment', 'pain')

#: Arousal in [0, 1] per expression: drives thermal (periorbital warming,
#: nose-tip cooling) and speech prosody energy.
EXPRESSION_AROUSAL = {
    'anger': 0.85, 'disgust': 0.5, 'fear': 0.9, 'happiness': 0.6,
    'sadness': 0.2, 'surprise': 0.85, 'neutral': 0.1, 'contempt': 0.35,
    'anxiety': 0.7, 'helplessness': 0.25, 'disappointment': 0.3,
    'embarrassment': 0.55, 'pain': 0.8,
}

#: Head behaviour per expression used by clips: ``pitch`` is a constant
#: offset in degrees (positive = head down) and ``fidget`` the amplitude in
#: degrees of fast small head motion.
EXPRESSION_HEAD_MOTION = {
    'helplessness': dict(pitch=8.0, fidget=0.5),
    'sadness': dict(pitch=4.0, fidget=0.3),
    'anxiety': dict(pitch=0.0, fidget=3.0),
    'fear': dict(pitch=-2.0, fidget=1.5),
}

#: Face-parsing class -> id in ``PARSING_CLASSES`` (imported above from
#: mmfer.structures.parsing; the label map stores the id). ``left``/``right``
#: are from the *viewer's* side: ``left_eye`` is the eye on the image's left.
PARSING_INDEX = {name: i for i, name in enumerate(PARSING_CLASSES)}

#: EMPD's ESGM semantic groups -> the parsing classes they merge.  Classes in
#: no group (background, hair, glasses) are ignored by ESGM.
ESGM_GROUPS = EXPRESSION_GROUPS['synthface']

#: Millimetres per face unit (the face's half height is about one unit).
UNIT_MM = 90.0
