"""Per-subject identity: face shape, colours, accessories, voice."""
from dataclasses import asdict, dataclass

import numpy as np

from .seeding import STREAM_SUBJECT, make_rng

# Skin albedo palette (RGB, 0-1), light to dark; a subject interpolates.
_SKIN_TONES = np.array([[0.95, 0.80, 0.70], [0.88, 0.70, 0.58],
                        [0.76, 0.57, 0.44], [0.58, 0.40, 0.29],
                        [0.40, 0.27, 0.19]])
_HAIR_COLOURS = np.array([[0.08, 0.06, 0.05], [0.25, 0.16, 0.09],
                          [0.50, 0.35, 0.20], [0.80, 0.66, 0.42],
                          [0.55, 0.55, 0.55], [0.45, 0.15, 0.07]])
_IRIS_COLOURS = np.array([[0.25, 0.15, 0.08], [0.18, 0.28, 0.45],
                          [0.30, 0.35, 0.20], [0.12, 0.08, 0.05]])
HAIR_STYLES = ('short', 'long', 'bald', 'fringe')


@dataclass(frozen=True)
class SubjectParams:
    """Identity parameters of one synthetic subject.

    Lengths are in face units (the face's half height is ~1); colours are RGB
    albedos in [0, 1].
    """
    face_w: float          # half width of the face oval
    face_h: float          # half height of the lower face (centre to chin)
    jaw: float             # 0 = round jaw, 1 = narrow pointed chin
    nose_size: float
    nose_len: float
    eye_spacing: float
    eye_size: float
    mouth_w: float
    lip_thick: float
    brow_thick: float
    brow_height: float     # vertical offset of the brows
    skin_rgb: tuple
    hair_rgb: tuple
    iris_rgb: tuple
    hair_style: str
    glasses: bool
    thermal_offset: float  # baseline skin temperature offset in °C
    sex: str               # 'F' or 'M' (voice pitch only)
    f0_base: float         # speaking fundamental frequency, Hz
    formant_scale: float   # vocal tract length factor (1 = average)
    texture_seed: int      # seeds the fixed skin blotch pattern

    def to_dict(self):
        return asdict(self)


def sample_subject(seed, index, sex=None, glasses=None):
    """Draw the identity of subject ``index`` (deterministic in both ints).

    Args:
        seed (int): dataset seed.
        index (int): subject index.
        sex (str, optional): force 'F' or 'M' (BP4D/BP4D+ ids imply it).
        glasses (bool, optional): force glasses on/off (default: p=0.25).

    Returns:
        SubjectParams
    """
    rng = make_rng(seed, STREAM_SUBJECT, index)
    u = rng.random(24)
    if sex is None:
        sex = 'F' if u[0] < 0.5 else 'M'
    if sex not in ('F', 'M'):
        raise ValueError(f"sex must be 'F' or 'M', got {sex!r}")
    male = sex == 'M'
    tone = u[1] * (len(_SKIN_TONES) - 1)
    lo = int(np.floor(tone))
    hi = min(lo + 1, len(_SKIN_TONES) - 1)
    skin = _SKIN_TONES[lo] * (1 - (tone - lo)) + _SKIN_TONES[hi] * (tone - lo)
    hair = _HAIR_COLOURS[int(u[2] * len(_HAIR_COLOURS))]
    iris = _IRIS_COLOURS[int(u[3] * len(_IRIS_COLOURS))]
    style = HAIR_STYLES[int(u[4] * len(HAIR_STYLES))]
    if style == 'long' and male and u[5] < 0.6:
        style = 'short'
    has_glasses = bool(u[6] < 0.25) if glasses is None else bool(glasses)
    f0 = (105.0 + 40.0 * u[7]) if male else (180.0 + 60.0 * u[7])
    return SubjectParams(
        face_w=float(0.74 + 0.12 * u[8] + (0.02 if male else 0.0)),
        face_h=float(0.98 + 0.12 * u[9]),
        jaw=float((0.2 if male else 0.5) + 0.4 * u[10]),
        nose_size=float(0.85 + 0.35 * u[11] + (0.05 if male else 0.0)),
        nose_len=float(0.9 + 0.2 * u[12]),
        eye_spacing=float(0.92 + 0.16 * u[13]),
        eye_size=float(0.85 + 0.3 * u[14]),
        mouth_w=float(0.88 + 0.25 * u[15]),
        lip_thick=float(0.75 + 0.5 * u[16]),
        brow_thick=float((1.0 if male else 0.75) + 0.5 * u[17]),
        brow_height=float(-0.04 + 0.08 * u[18]),
        skin_rgb=tuple(float(c) for c in skin * (0.95 + 0.1 * u[19])),
        hair_rgb=tuple(float(c) for c in hair),
        iris_rgb=tuple(float(c) for c in iris),
        hair_style=style,
        glasses=has_glasses,
        thermal_offset=float(-0.6 + 1.2 * u[20]),
        sex=sex,
        f0_base=float(f0),
        formant_scale=float((0.92 if male else 1.05) + 0.1 * u[21]),
        texture_seed=int(rng.integers(0, 2**31)),
    )
