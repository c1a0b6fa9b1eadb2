"""The variables of a formula evaluated on data: the third stage of the formula pipeline.

:mod:`.values` holds R's value types (numeric, integer, logical, character, factor) and types
data columns; :mod:`.state` the transform state learned on fitting data (factor levels,
``poly``/``scale`` coefficients) and the protocol of what functions need from an evaluator;
:mod:`.variables` the :class:`~.variables.Evaluator` that evaluates a variable (a column or a
whitelisted call) once per label; :mod:`.functions` and :mod:`.operators` R's functions and
operators in NumPy. The import order runs values/state -> operators -> functions -> variables.
"""
