"""Speech: transcribe Southeast Asian speech with Whisper (faster-whisper, CPU), choosing the language
with Whisper's detection restricted to the languages a deployment expects and checked by seaforge's
text language ID, and normalising the transcript with the text layer.

Modules: audio (decode any format to 16 kHz mono, in chunks), whisper (load and cache a model),
langpick (choose the language), transcribe (the API), formats (json/text/verbose_json/srt/vtt), cli.
"""
