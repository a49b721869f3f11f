"""The ceiling: the smallest Flask app, served the same way as patientapp."""

from flask import Flask

app = Flask(__name__)


@app.get("/")
def hello():
    return "hello"
