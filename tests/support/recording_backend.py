"""An eval backend for tests: answers nothing useful and keeps every prompt it was asked."""


class Recorder:
    supports_loglikelihood = False

    def __init__(self):
        self.fingerprint, self.prompts = "recorder", []
        self.info = {"backend": "recorder", "model": "recorder", "chat_template": None, "chat_template_sha256": None}

    def generate(self, requests):
        self.prompts += [request.prompt for request in requests]
        return ["Jawaban: Positif"] * len(requests)
