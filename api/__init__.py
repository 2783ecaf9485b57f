"""HTTP API: validate, authorise, produce commands; serve views rebuilt from Kafka."""
