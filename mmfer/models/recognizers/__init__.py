from .mma_dfer import MMADFER

__all__ = ['MMADFER']
