"""File formats shared by every layer (layer 0): atomic writes, TSV and JSON, HDF5 values,
selection and duplicate tables, cache metadata and embedding files.

Plain numpy, pandas and h5py; no torch. Each module owns one format:

* :mod:`.files` - atomic writes, TSV and JSON;
* :mod:`.hdf5` - HDF5 strings and attributes as plain Python values;
* :mod:`.selections` - ``dataset, split, utt_id`` tables, cache metadata, duplicate pairs;
* :mod:`.embeddings` - penultimate-embedding files written by ``embed``.
"""
