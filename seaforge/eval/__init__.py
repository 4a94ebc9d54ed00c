"""SEA-HELM style holistic evaluation: tasks as YAML, backends behind a two-method interface,
every inference cached on disk, results as plain JSON, leaderboards in Markdown and HTML."""
