"""SynthFace: a deterministic procedural FACS-driven multimodal face renderer.

Its modules use only numpy and OpenCV; file encodings (depth, thermal) come
from the numpy-only :mod:`mmfer.structures.codecs`, shared with the loaders
and the preprocessing tools.  See ``docs/synthface.md``.
"""
from mmfer.structures.codecs import (DEPTH_BACKGROUND_MM, decode_depth,
                                     decode_thermal, depth_foreground,
                                     depth_to_uint8, encode_depth,
                                     encode_thermal)
from .constants import (AU_IDS, AU_INDEX, AU_NAMES,
                        AU_OCCURRENCE_THRESHOLD, ESGM_GROUPS,
                        EXPRESSION_AROUSAL,
                        EXPRESSION_PROTOTYPES, EXPRESSIONS,
                        EXTENDED_EXPRESSIONS, NUM_AUS, PARSING_CLASSES,
                        SYNTHFACE_VERSION, TASK_EXPRESSIONS)
from .domains import DOMAIN_NAMES, DOMAIN_PRESETS, resolve_domain, sample_view
from .expressions import (arousal_from_aus, au_vector, prototype_intensities,
                          sample_expression)
from .geometry import LANDMARK_NAMES, build_face_shape
from .identity import SubjectParams, sample_subject
from .audio import PROSODY, synthesize_speech_audio
from .layouts import (DFEW_LABELS, LAYOUTS, camera_intrinsics, depth_to_mesh,
                      false_colour_to_temperature, generate_layout, read_wav,
                      temperature_to_false_colour, write_wav)
from .renderer import MODALITIES, SynthFaceRenderer
from .video import expression_envelope, render_clip

__all__ = [
    'AU_IDS', 'AU_INDEX', 'AU_NAMES', 'AU_OCCURRENCE_THRESHOLD',
    'DEPTH_BACKGROUND_MM', 'ESGM_GROUPS', 'EXPRESSION_AROUSAL',
    'EXPRESSION_PROTOTYPES', 'EXPRESSIONS', 'EXTENDED_EXPRESSIONS', 'NUM_AUS',
    'PARSING_CLASSES', 'SYNTHFACE_VERSION', 'TASK_EXPRESSIONS', 'DOMAIN_NAMES',
    'DOMAIN_PRESETS',
    'resolve_domain', 'sample_view', 'arousal_from_aus', 'au_vector',
    'prototype_intensities', 'sample_expression', 'LANDMARK_NAMES',
    'build_face_shape', 'SubjectParams', 'sample_subject', 'MODALITIES',
    'SynthFaceRenderer', 'decode_depth', 'decode_thermal', 'depth_foreground',
    'depth_to_uint8', 'encode_depth', 'encode_thermal', 'PROSODY',
    'synthesize_speech_audio', 'DFEW_LABELS', 'LAYOUTS', 'camera_intrinsics',
    'depth_to_mesh', 'false_colour_to_temperature', 'generate_layout',
    'read_wav', 'temperature_to_false_colour', 'write_wav',
    'expression_envelope', 'render_clip'
]
