from .codecs import (CODECS, DEPTH_BACKGROUND_CODE, DEPTH_BACKGROUND_MM,
                     Codec, decode_depth, decode_thermal, depth_foreground,
                     depth_to_uint8, encode_depth, encode_thermal, get_codec)
from .expressions import (DATASET_CLASSES, EXPRESSION_ALIASES, EXPRESSIONS,
                          UNMAPPED, canonical_classes, canonical_expression,
                          dataset_classes, label_mapping, map_labels,
                          resolve_classes)
from .fer_data_sample import AU_UNKNOWN, FERDataSample
from .modalities import (MODALITIES, MODALITY_CHANNELS, PATH_KEYS, Modality,
                         channel_names, channel_slices, check_modalities,
                         get_modality, modality_channels, path_key,
                         source_modality)
from .parsing import (CELEBAMASK_HQ_CLASSES, EXPRESSION_GROUPS,
                      PARSING_VOCABULARIES, SYNTHFACE_PARSING_CLASSES,
                      expression_indicator_classes, parsing_classes)

__all__ = [
    'FERDataSample', 'AU_UNKNOWN', 'Modality', 'MODALITIES',
    'MODALITY_CHANNELS', 'PATH_KEYS', 'get_modality', 'check_modalities',
    'modality_channels', 'channel_slices', 'channel_names', 'path_key',
    'source_modality', 'Codec', 'CODECS', 'get_codec', 'DEPTH_BACKGROUND_MM',
    'DEPTH_BACKGROUND_CODE', 'encode_depth', 'decode_depth',
    'depth_foreground', 'depth_to_uint8', 'encode_thermal', 'decode_thermal'
]
__all__ += [
    'EXPRESSIONS', 'EXPRESSION_ALIASES', 'DATASET_CLASSES', 'UNMAPPED',
    'canonical_expression', 'canonical_classes', 'dataset_classes',
    'resolve_classes', 'label_mapping', 'map_labels'
]
__all__ += [
    'PARSING_VOCABULARIES', 'SYNTHFACE_PARSING_CLASSES',
    'CELEBAMASK_HQ_CLASSES', 'EXPRESSION_GROUPS', 'parsing_classes',
    'expression_indicator_classes'
]
