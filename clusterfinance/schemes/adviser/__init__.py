"""The financing adviser (融资咨询): for a firm's need, every option compared by its all-in cost."""
