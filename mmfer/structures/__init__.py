from .fer_data_sample import AU_UNKNOWN, FERDataSample

__all__ = ['FERDataSample', 'AU_UNKNOWN']
