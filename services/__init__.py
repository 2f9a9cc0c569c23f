"""WageWatch's nameko services, one package each, all the same shape:

``service.py`` (thin entrypoints), ``domain.py`` (rules, plain Python), ``repository.py``
(storage with domain verbs), and ``settings.py`` where a service has settings.
"""
