"""Monitoring: change detection and alerts over every roamwatch source.

Detectors (:mod:`alerts.detectors`, :mod:`alerts.cusum`) read the published snapshot like any
reader; rules (:mod:`alerts.rules`) say what to watch; :mod:`alerts.engine` stores new alerts
through the warehouse layer like any writer and hands them to the delivery channels
(:mod:`alerts.delivery`: signed webhooks, e-mail; the Atom feed, :mod:`alerts.feed`, is served
by the dashboard).
"""
