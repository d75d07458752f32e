from .face_preprocessing import FacePreprocessor
from .face_tracking import FaceTracker
from .fer_inferencer import RESULT_KEYS, FERInferencer, empty_result
from .inference import inference_model, init_model
from .result_csv import ResultCSVWriter, csv_columns, result_to_row
from .video_stream import AudioTrack, VideoFrameStream, VideoWriter

__all__ = [
    'init_model', 'inference_model', 'FERInferencer', 'RESULT_KEYS',
    'empty_result', 'FacePreprocessor', 'FaceTracker', 'ResultCSVWriter',
    'csv_columns', 'result_to_row', 'VideoFrameStream', 'AudioTrack',
    'VideoWriter'
]
