"""The registry controls who may connect to an MQTT broker (Mosquitto's dynamic security).

``naming`` derives a thing's broker username, topic root and password; ``topics`` turns its TD's
MQTT forms into the access list of its broker role; ``dynsec`` speaks the plugin's control
protocol; ``sync`` keeps the broker's accounts equal to the registry's; ``accounts`` holds the
use cases behind ``/things/{id}/mqtt-credential``. See docs/mqtt.md.
"""
