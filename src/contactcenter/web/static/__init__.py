"""The wallboard's page, script and style (package data, served by ``/wallboard``)."""
