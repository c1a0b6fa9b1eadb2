"""The variables of a formula evaluated on data: the third stage of the formula pipeline.

:mod:`.values` holds R's value types (numeric, integer, logical, character, factor) and types
data columns; :mod:`.state` the transform state learned on fitting data (factor levels,
``poly``/``scale`` coefficients) and the protocol of what functions need from an evaluator;
:mod:`.variables` the :class:`~.variables.Evaluator` that evaluates a variable (a column or a
whitelisted call) once per label; :mod:`.operators` R's coercions and operators in NumPy;
:mod:`.invocation` binds a call's arguments, :mod:`.transforms` holds the stateful functions
(``poly``, ``scale``, ``factor``) and :mod:`.functions` the whitelist. Imports run one way:
values/state -> operators -> invocation -> transforms -> functions -> variables.
"""
