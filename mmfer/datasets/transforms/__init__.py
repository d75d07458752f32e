from .audio import LoadAudioFbank, kaldi_fbank, kaldi_mel_banks
from .channel_mixing import ChannelMixing
from .face import AlignFace, DetectFace
from .formatting import PackFERInputs, to_chw_tensor
from .loading import (LoadFaceModalities, depth_png_to_uint8, read_image_file,
                      thermal_png_to_uint8)
from .parsing import (CELEBAMASK_HQ_CLASSES, CELEBAMASK_HQ_PARTS,
                      LoadParsingMap, parsing_flip_pairs)
from .processing import RandomResizedCrop
from .scan import LoadScanDepth
from .texture import (ComputeTexture, ConvertToGray, SelectModalities,
                      gabor_map, hog_map, lbp_codes, lbp_codes_bruteforce)
from .video import (FormatClip, LoadFrames, SampleSegmentFrames, list_frames,
                    segment_indices)

__all__ = [
    'LoadFaceModalities', 'PackFERInputs', 'to_chw_tensor',
    'depth_png_to_uint8', 'thermal_png_to_uint8', 'read_image_file'
]
__all__ += [
    'LoadAudioFbank', 'kaldi_fbank', 'kaldi_mel_banks', 'SampleSegmentFrames',
    'LoadFrames', 'FormatClip', 'segment_indices', 'list_frames'
]
__all__ += ['ChannelMixing']
__all__ += [
    'LoadParsingMap', 'parsing_flip_pairs', 'CELEBAMASK_HQ_PARTS',
    'CELEBAMASK_HQ_CLASSES', 'RandomResizedCrop'
]
__all__ += [
    'DetectFace', 'AlignFace', 'ConvertToGray', 'ComputeTexture',
    'SelectModalities', 'lbp_codes', 'lbp_codes_bruteforce', 'hog_map',
    'gabor_map'
]
__all__ += ['LoadScanDepth']
