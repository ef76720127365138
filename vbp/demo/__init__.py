"""The deterministic demo province (山西省): regions, pools, hospitals, batches, platform data and demo accounts."""
