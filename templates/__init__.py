"""Jinja2 templates shipped with trialfinder (installed as the ``trialfinder.templates`` package).

An organisation can use its own wording by copying a template to a folder and passing that
folder with ``--templates DIR``: templates found there replace the ones here, by file name.
"""
